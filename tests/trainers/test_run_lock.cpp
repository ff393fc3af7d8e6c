// One owner per run directory: a second lock is refused naming the holder, and a holder that died
// (SIGKILL, so no destructor ran) leaves nothing that blocks.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "test_util.h"
#include "trainers/run_lock.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_run_lock)

BOOST_AUTO_TEST_CASE(a_held_directory_is_refused_with_the_holders_name) {
  attend::test::TmpDir dir("attend_test_run_lock");
  const std::string d = dir.dir.string();
  BOOST_CHECK_EQUAL(RunLock::holder(d), "");  // no lock file yet
  {
    RunLock lock(d);
    const std::string me = "pid " + std::to_string(getpid()) + " on ";
    BOOST_CHECK_EQUAL(RunLock::holder(d).rfind(me, 0), 0u);
    try {
      RunLock second(d);
      BOOST_FAIL("a second lock was granted");
    } catch (const RunLockError& e) {
      const std::string what = e.what();
      BOOST_CHECK_MESSAGE(what.find(d + " is in use by another attend train (" + me) == 0, what);
    }
    // Looking does not take it: the holder keeps it, and a look does not block a later taker.
    BOOST_CHECK(!RunLock::holder(d).empty());
  }
  BOOST_CHECK_EQUAL(RunLock::holder(d), "");  // released with the object
  RunLock again(d);
}

BOOST_AUTO_TEST_CASE(a_lock_left_by_a_killed_process_does_not_block) {
  attend::test::TmpDir dir("attend_test_run_lock");
  const std::string d = dir.dir.string();
  int ready[2];
  BOOST_REQUIRE_EQUAL(pipe(ready), 0);
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    RunLock lock(d);
    const char ok = 1;
    if (write(ready[1], &ok, 1) != 1) _exit(1);
    for (;;) pause();
  }
  char ok = 0;
  BOOST_REQUIRE_EQUAL(read(ready[0], &ok, 1), 1);
  BOOST_CHECK_EQUAL(RunLock::holder(d).rfind("pid " + std::to_string(child) + " on ", 0), 0u);
  BOOST_CHECK_THROW(RunLock{d}, RunLockError);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  BOOST_CHECK_EQUAL(RunLock::holder(d), "");
  RunLock mine(d);  // the dead holder's lock file is still there, and does not matter
  close(ready[0]);
  close(ready[1]);
}

BOOST_AUTO_TEST_SUITE_END()
