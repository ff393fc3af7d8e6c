#include "trainers/checkpoint.h"
