#!/usr/bin/env python3
"""Generates attend's bundled toy summarization corpus.

    python3 datasets/generators/gen_summarization.py [--out DIR]

writes DIR/summarization.{train,valid,test}.jsonl.gz (DIR defaults to datasets/data next to this
script): one JSON object {"document": ..., "summary": ...} per line, 13,000 / 1,000 / 1,000
pairs. Python 3 standard library only; one random.Random(SEED) makes every choice and the gzip
container is written by hand (no timestamp, no file name), so running it again gives the same
bytes.

Each document is a short news item of one of three kinds -- a football match report, a weather
bulletin, a company's quarterly results -- of 40 to 150 tokens (as attend's tokenizer counts
them). Its facts (names, scores, places, temperatures, amounts) are mixed with distractor
sentences that carry facts of the same type about other teams, cities or companies (another
match of the day, the forecast for a neighbouring city, a competitor's results), in random order.
The summary is one sentence built from the document's main facts, every name and number copied
from it, so a model must learn to find the right facts (attention) and copy them:

  document: Silverton Rangers beat Harrowgate Athletic 3-1 at Victoria Ground on Monday. Dunmore
            United remain top of the table with 31 points. Dunmore United and Redhill United
            will meet next Sunday. Emma Romano, the coach of Silverton Rangers, said the team had
            worked hard all week. Victor Lindqvist scored twice for Silverton Rangers, in the
            34th and 63rd minutes. Clara Lindqvist missed the game with an injury. In the other
            game of the day, Westport City beat Greenvale Rangers 2-1. A crowd of 59,800 watched
            the game.
  summary:  Silverton Rangers beat Harrowgate Athletic 3-1 at Victoria Ground on Monday, Victor
            Lindqvist scoring twice.

Documents run from 44 to 137 tokens (median 86), summaries from 13 to 24.
Every document occurs once in the corpus, so the splits share none.
"""

import argparse
import json
import os
import random
import re

from gzip_bytes import gzip_bytes  # this folder

SEED = 20240612
SPLITS = (("train", 13000), ("valid", 1000), ("test", 1000))
MIN_TOKENS, MAX_TOKENS = 44, 146  # a margin inside 40..150 for tokenizer differences

FIRST = ["Tom", "Anna", "Luca", "Sara", "Omar", "Emma", "Jonas", "Maria", "Ivan", "Lena", "Paul",
         "Nina", "Hugo", "Clara", "Marco", "Julia", "Felix", "Rosa", "Leo", "Alice", "Victor",
         "Elena", "Samuel", "Ines", "Daniel", "Sofia", "Adam", "Laura", "Karim", "Mia"]
LAST = ["Walsh", "Moreau", "Berg", "Costa", "Novak", "Keller", "Silva", "Larsen", "Rossi",
        "Fischer", "Dubois", "Meyer", "Jansen", "Lopez", "Hansen", "Weber", "Garcia", "Nowak",
        "Petit", "Bauer", "Martin", "Ortiz", "Schmidt", "Olsen", "Romano", "Vidal", "Kowalski",
        "Brandt", "Ferreira", "Lindqvist"]
TOWNS = ["Millbrook", "Ashford", "Westport", "Kingsford", "Eastfield", "Northgate", "Redhill",
         "Stonebridge", "Fairhaven", "Oakridge", "Brightwater", "Lakeside", "Highcliff",
         "Greenvale", "Silverton", "Marlow", "Dunmore", "Rockport", "Elmwood", "Harrowgate"]
CLUB_SUFFIX = ["United", "City", "Rovers", "Athletic", "Town", "Wanderers", "Albion", "Rangers"]
GROUNDS = ["Riverside Park", "Victoria Ground", "Memorial Stadium", "Castle Road", "Mill Lane",
           "the Old Arena", "Harbour Park", "King Street", "the Valley Stadium", "Station Road"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CITIES = ["Lyon", "Bordeaux", "Nantes", "Lille", "Toulouse", "Marseille", "Strasbourg", "Rennes",
          "Nice", "Grenoble", "Dijon", "Brest", "Metz", "Reims", "Tours", "Angers", "Nancy",
          "Rouen", "Caen", "Limoges", "Amiens", "Orleans", "Avignon", "Perpignan", "Besancon"]
WEATHER = [("rain", "heavy rain", "Rain will spread from the west during the morning."),
           ("snow", "snow", "Snow is expected to settle on higher ground."),
           ("sunshine", "sunshine", "Skies will stay clear for most of the day."),
           ("fog", "thick fog", "Fog will be slow to clear in the valleys."),
           ("storms", "thunderstorms", "Storms may bring hail and sudden gusts."),
           ("cloud", "grey skies", "Cloud will hang over the region all day."),
           ("showers", "scattered showers", "Showers will come and go through the afternoon.")]
COMPANY_A = ["Norvale", "Brightline", "Castellan", "Meridian", "Halcyon", "Orbis", "Veltra",
             "Kestrel", "Solano", "Arden", "Tessaro", "Quillon", "Baltic", "Corvid", "Lumen",
             "Northwind", "Redwood", "Sterling", "Westmark", "Zephyr"]
COMPANY_B = ["Systems", "Foods", "Motors", "Energy", "Pharma", "Logistics", "Telecom", "Textiles",
             "Airlines", "Robotics", "Insurance", "Media"]
PRODUCTS = {"Systems": "software", "Foods": "frozen meals", "Motors": "electric vans",
            "Energy": "solar panels", "Pharma": "vaccines", "Logistics": "parcel delivery",
            "Telecom": "mobile contracts", "Textiles": "work clothes", "Airlines": "flights",
            "Robotics": "warehouse robots", "Insurance": "home insurance", "Media": "streaming"}
QUARTERS = ["first", "second", "third", "fourth"]
ORD = {1: "1st", 2: "2nd", 3: "3rd", 21: "21st", 22: "22nd", 23: "23rd", 31: "31st",
       32: "32nd", 33: "33rd", 41: "41st", 42: "42nd", 43: "43rd", 51: "51st", 52: "52nd",
       53: "53rd", 61: "61st", 62: "62nd", 63: "63rd", 71: "71st", 72: "72nd", 73: "73rd",
       81: "81st", 82: "82nd", 83: "83rd"}

TOKEN = re.compile(r"\w+(?:['\-]\w+|(?<=\d)[.,](?=\d)\d*)*|([^\w\s])\1*")


def count_tokens(text):
    """Tokens as attend's tokenizer counts them for this ASCII text: words (joined across an
    apostrophe or hyphen between word characters, and '.'/',' between digits) and punctuation."""
    return sum(1 for _ in TOKEN.finditer(text))


def ordinal(n):
    return ORD.get(n, f"{n}th")


def degrees(n):
    return f"{n} degree" if abs(n) == 1 else f"{n} degrees"


def thousands(n):
    return f"{n:,}"


class Gen:
    def __init__(self, rng):
        self.r = rng

    def choice(self, seq):
        return seq[self.r.randrange(len(seq))]

    def person(self, avoid=()):
        while True:
            p = f"{self.choice(FIRST)} {self.choice(LAST)}"
            if p not in avoid:
                return p

    def distinct(self, n, make):
        out = []
        while len(out) < n:
            x = make()
            if x not in out:
                out.append(x)
        return out

    # --- football
    def club(self):
        return f"{self.choice(TOWNS)} {self.choice(CLUB_SUFFIX)}"

    def match(self):
        r = self.r
        home, away, o1, o2, o3, o4 = self.distinct(6, self.club)
        hg, ag = r.randrange(5), r.randrange(5)
        ground, day = self.choice(GROUNDS), self.choice(DAYS)
        crowd = thousands(r.randrange(4, 60) * 1000 + r.randrange(10) * 100)
        coach_h, coach_a, ref, scorer, other = self.distinct(5, self.person)
        if hg == ag:
            lead = f"{home} and {away} drew {hg}-{ag} at {ground} on {day}."
            summary = f"{home} and {away} drew {hg}-{ag} at {ground} on {day}"
            winner = None
        else:
            winner, loser = (home, away) if hg > ag else (away, home)
            w, l_ = max(hg, ag), min(hg, ag)
            lead = f"{winner} beat {loser} {w}-{l_} at {ground} on {day}."
            summary = f"{winner} beat {loser} {w}-{l_} at {ground} on {day}"
        core = [lead]
        win_goals = max(hg, ag)
        if winner and win_goals >= 2 and r.random() < 0.6:
            m1 = r.randrange(3, 45)
            m2 = r.randrange(46, 90)
            core.append(f"{scorer} scored twice for {winner}, in the {ordinal(m1)} and "
                        f"{ordinal(m2)} minutes.")
            summary += f", {scorer} scoring twice"
        elif winner:
            m = r.randrange(2, 40)
            core.append(f"{scorer} opened the scoring for {winner} in the {ordinal(m)} minute.")
            summary += f", with {scorer} scoring first"
        core.append(f"A crowd of {crowd} watched the game.")
        if r.random() < 0.5:
            summary += f" in front of {crowd} fans"
        summary += "."
        extra = [
            f"{coach_h}, the coach of {home}, said the team had worked hard all week.",
            f"{coach_a} said {away} would learn from the game.",
            f"The referee was {ref}.",
        ]
        ow, ld = r.randrange(1, 6), r.randrange(4)
        distract = [
            f"In the other game of the day, {o1} beat {o2} {ow}-{r.randrange(ow)}.",
            f"Last season the two sides drew {ld}-{ld} at "
            f"{self.choice(GROUNDS)}.",
            f"{other} missed the game with an injury.",
            f"{o3} and {o4} will meet next {self.choice(DAYS)}.",
            f"Tickets for the next home game cost {r.randrange(12, 60)} euros.",
            f"{o3} remain top of the table with {r.randrange(20, 70)} points.",
        ]
        return core, extra, distract, summary

    # --- weather
    def weather(self):
        r = self.r
        city, near1, near2 = self.distinct(3, lambda: self.choice(CITIES))
        day = self.choice(DAYS)
        key, name, sentence = self.choice(WEATHER)
        hi = r.randrange(4, 36) if key != "snow" else r.randrange(-2, 4)
        lo = hi - r.randrange(4, 12)
        wind = r.randrange(10, 95)
        core = [f"{city} can expect {name} on {day}.",
                f"Temperatures will reach a high of {degrees(hi)}, falling to {lo} at night.",
                f"Winds will blow at up to {wind} km/h."]
        summary = f"{city} will see {name} on {day}, with a high of {degrees(hi)}"
        if wind > 60:
            core.append(f"Forecasters have issued a wind warning for {city} until {day} evening.")
            summary += f" and winds up to {wind} km/h"
        summary += "."
        k2, n2, _ = self.choice(WEATHER)
        extra = [sentence,
                 "Drivers are advised to take care on minor roads.",
                 f"The forecast was prepared by {self.person()} of the regional weather office."]
        distract = [
            f"In {near1}, the forecast is for {n2}, with a high of {degrees(r.randrange(0, 36))}.",
            f"{near2} will stay dry, with temperatures near {degrees(r.randrange(0, 36))}.",
            f"Yesterday {near1} recorded {r.randrange(2, 60)} mm of rain.",
            f"The next bulletin will be published at {r.randrange(5, 11)} pm.",
            f"Last {self.choice(DAYS)} the temperature in {near2} reached "
            f"{degrees(r.randrange(0, 38))}.",
        ]
        return core, extra, distract, summary

    # --- company results
    def company(self):
        return f"{self.choice(COMPANY_A)} {self.choice(COMPANY_B)}"

    def results(self):
        r = self.r
        comp, rival = self.distinct(2, self.company)
        ceo, analyst, rival_ceo = self.distinct(3, self.person)
        city = self.choice(CITIES)
        quarter = self.choice(QUARTERS)
        year = r.randrange(2015, 2025)
        revenue = f"{r.randrange(12, 990)}.{r.randrange(10)}"
        pct = r.randrange(1, 40)
        up = r.random() < 0.6
        profit = r.randrange(1, 120)
        staff = thousands(r.randrange(3, 400) * 50)
        product = PRODUCTS[comp.split()[1]]
        core = [f"{comp} reported revenue of {revenue} million euros for the {quarter} quarter "
                f"of {year}.",
                f"Sales {'rose' if up else 'fell'} {pct} percent from a year earlier.",
                f"Net profit was {profit} million euros.",
                f"Chief executive {ceo} said demand for its {product} had been "
                f"{'strong' if up else 'weak'}."]
        summary = (f"{comp} revenue {'rose' if up else 'fell'} {pct} percent to {revenue} million "
                   f"euros in the {quarter} quarter of {year}")
        if r.random() < 0.4:
            summary += f", said chief executive {ceo}"
        summary += "."
        extra = [f"The company, based in {city}, employs {staff} people.",
                 f"Its shares {'gained' if r.random() < 0.5 else 'lost'} {r.randrange(1, 9)} "
                 f"percent in early trading."]
        distract = [
            f"Its rival {rival} reported revenue of {r.randrange(12, 990)}.{r.randrange(10)} "
            f"million euros last week.",
            f"{analyst}, an analyst, said the {quarter} quarter is usually the "
            f"{'strongest' if r.random() < 0.5 else 'weakest'} of the year.",
            f"A year ago {comp} made a profit of {r.randrange(1, 120)} million euros.",
            f"{rival_ceo} of {rival} said prices would rise in {year + 1}.",
            f"The results will be discussed at a meeting in {self.choice(CITIES)} on "
            f"{self.choice(DAYS)}.",
        ]
        return core, extra, distract, summary

    def document(self):
        make = self.choice([self.match, self.weather, self.results])
        core, extra, distract, summary = make()
        r = self.r
        body = list(core)
        pool = extra + distract
        r.shuffle(pool)
        # at least one distractor, then as many more as chance gives
        body.append(self.choice(distract))
        for s in pool:
            if s not in body and r.random() < 0.45:
                body.append(s)
        first = body[0]
        rest = body[1:]
        r.shuffle(rest)
        if r.random() < 0.4:  # the lead is not always first
            body = rest[:1] + [first] + rest[1:]
        else:
            body = [first] + rest
        return " ".join(body), summary


def generate():
    rng = random.Random(SEED)
    gen = Gen(rng)
    total = sum(n for _, n in SPLITS)
    pairs, seen = [], set()
    while len(pairs) < total:
        doc, summary = gen.document()
        if doc in seen or not MIN_TOKENS <= count_tokens(doc) <= MAX_TOKENS:
            continue
        seen.add(doc)
        pairs.append((doc, summary))
    out, start = {}, 0
    for name, n in SPLITS:
        out[name] = pairs[start:start + n]
        start += n
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "data"))
    ap.add_argument("--stats", action="store_true", help="print the document length range")
    args = ap.parse_args()
    splits = generate()
    os.makedirs(args.out, exist_ok=True)
    for name, pairs in splits.items():
        text = "".join(json.dumps({"document": d, "summary": s}, ensure_ascii=False) + "\n"
                       for d, s in pairs).encode("utf-8")
        with open(os.path.join(args.out, f"summarization.{name}.jsonl.gz"), "wb") as f:
            f.write(gzip_bytes(text))
    if args.stats:
        lens = sorted(count_tokens(d) for p in splits.values() for d, _ in p)
        slens = sorted(count_tokens(s) for p in splits.values() for _, s in p)
        print(f"documents: {len(lens)}, tokens min {lens[0]} median {lens[len(lens) // 2]} "
              f"max {lens[-1]}; summaries: min {slens[0]} median {slens[len(slens) // 2]} "
              f"max {slens[-1]}")


if __name__ == "__main__":
    main()
