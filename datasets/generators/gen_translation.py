#!/usr/bin/env python3
"""Generates attend's bundled toy English->French translation corpus.

    python3 datasets/generators/gen_translation.py [--out DIR]

writes DIR/translation.{train,valid,test}.tsv.gz (DIR defaults to datasets/data next to this
script): one "English<TAB>French" pair per line, 28,000 / 1,000 / 1,000 pairs. Python 3 standard
library only; every random choice draws from one random.Random(SEED), and the gzip container is
written by hand (no timestamp, no file name, fixed OS byte), so running it again gives the same
bytes.

The sentences come from a small grammar over a bilingual lexicon (about 140 nouns with their
gender and plural, 45 adjectives with their four forms and their position, 60 verbs with their
conjugations), chosen to show what makes attention worth having:

  * adjective position and reordering: most French adjectives follow the noun (the red car ->
    la voiture rouge); beau, bon, grand, jeune, joli, mauvais, nouveau, petit, vieux precede it,
    with bel/nouvel/vieil before a vowel;
  * agreement in gender and number of articles, determiners (ce/cet/cette/ces, mon/ma/mes, ma ->
    mon before a vowel), adjectives, and past participles after a preceding direct object (je l'ai
    vue, les clés qu'il a perdues);
  * four tenses: present, passé composé with avoir, futur simple, imparfait (English "used to");
  * negation ne ... pas / ne ... jamais, with un/une/des -> de after it;
  * object pronouns before the verb (I see him -> je le vois; it/them resolved to le/la/les from
    an antecedent noun in the first clause), indirect lui/leur;
  * relative clauses with qui and que; the English possessive 's (the teacher's car -> la voiture
    du professeur);
  * elision (l' d' j' n' qu') and the contractions au aux du des.

English source lengths run from 3 to 30 tokens (words and the final full stop, as attend's
tokenizer counts them); the length mix is fixed by LENGTH_WEIGHTS. Every English sentence and every
French sentence occurs once in the whole corpus, so the splits share no source in either direction.

Hand-checked examples (the script rebuilds each from its parse and stops if one differs):

  I see him.                                  Je le vois.
  She saw her.                                Elle l'a vue.
  The small red car is heavy.                 La petite voiture rouge est lourde.
  We did not buy a car.                       Nous n'avons pas acheté de voiture.
  I found the keys and I lost them.           J'ai trouvé les clés et je les ai perdues.
  The old man will give the book to the girls.
                                              Le vieil homme donnera le livre aux filles.
  My sister used to read the newspaper every day.
                                              Ma sœur lisait le journal tous les jours.
  The cars that my brother bought are white.  Les voitures que mon frère a achetées sont blanches.
  The woman who sells the flowers sings.      La femme qui vend les fleurs chante.
  He never eats apples.                       Il ne mange jamais de pommes.
  They will visit the museum next week.       Ils visiteront le musée la semaine prochaine.
  I looked at the teacher's beautiful trees.  J'ai regardé les beaux arbres du professeur.
  My friend does not see a beautiful tree.    Mon ami ne voit pas de bel arbre.
  You often listen to the birds in the garden.
                                              Tu écoutes souvent les oiseaux dans le jardin.
  She gave them the old umbrella.             Elle leur a donné le vieux parapluie.
  This old hotel was empty.                   Ce vieil hôtel était vide.
  We will not wait for her at our school.     Nous ne l'attendrons pas à notre école.
  The children used to eat eggs near the hospital.
                                              Les enfants mangeaient des œufs près de l'hôpital.

Semantics is loose (a grammar, not a world model: "the pretty doctors that your cook calls
brought him a flower"), but every French sentence is grammatical and is the translation of its
English one. Where English is ambiguous the choice is fixed: you -> tu, they -> ils, them (people)
-> les with a masculine participle, his/her -> son/sa/ses by the possessed noun.
"""

import argparse
import os
import random
import sys

from gzip_bytes import gzip_bytes  # this folder

SEED = 20240611
SPLITS = (("train", 28000), ("valid", 1000), ("test", 1000))
MIN_LEN, MAX_LEN = 3, 30
# Relative number of sentences of each English length (3..30 tokens); lengths the grammar cannot
# fill give their share to the others.
LENGTH_WEIGHTS = {n: w for n, w in zip(range(3, 31), [
    1, 3, 5, 7, 8, 9, 9, 9, 9, 8, 8, 7, 7, 6, 6, 5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2, 2])}
POOL_SIZE = 90000  # sentences drawn before choosing by length

# ---------------------------------------------------------------------------------------------
# Lexicon

FR_VOWELS = set("aeiouyàâäéèêëîïôöûùüœæh")  # every French h-word here has a mute h (l'homme)
EN_AN_EXCEPTIONS = set()  # no English word here starts with a vowel letter but a consonant sound


def fr_vowel(word):
    return word[0].lower() in FR_VOWELS


class Noun:
    def __init__(self, en, fr, g, kind, tags, en_pl=None, fr_pl=None):
        self.en, self.fr, self.g, self.kind = en, fr, g, kind
        self.tags = set(tags.split()) | {kind}
        if en_pl is None:
            if en.endswith(("s", "sh", "ch", "x")):
                en_pl = en + "es"
            elif en.endswith("y") and en[-2] not in "aeiou":
                en_pl = en[:-1] + "ies"
            else:
                en_pl = en + "s"
        if fr_pl is None:
            if fr.endswith(("s", "x", "z")):
                fr_pl = fr
            elif fr.endswith(("eau", "eu")):
                fr_pl = fr + "x"
            else:
                fr_pl = fr + "s"
        self.en_pl, self.fr_pl = en_pl, fr_pl


# Tags: what verbs may take the noun as object.
#  port = portable, buy = can be bought/sold/chosen, give = can be given/lent/sent,
#  wash, clean, break, open, fill, push, throw, catch, build, paint, hear, read, write, learn
#  (can be learnt/understood/explained), food, drink, make (can be made/prepared), finish, visit
P = "person"
NOUNS = [
    # people (English pronoun follows natural gender; the neutral ones are never antecedents)
    Noun("man", "homme", "m", P, "hear draw paint", en_pl="men"),
    Noun("woman", "femme", "f", P, "hear draw paint", en_pl="women"),
    Noun("boy", "garçon", "m", P, "hear draw paint"),
    Noun("girl", "fille", "f", P, "hear draw paint"),
    Noun("child", "enfant", "m", P, "hear draw paint", en_pl="children"),
    Noun("teacher", "professeur", "m", P, "hear"),
    Noun("student", "étudiant", "m", P, "hear"),
    Noun("doctor", "médecin", "m", P, "hear"),
    Noun("friend", "ami", "m", P, "hear draw"),
    Noun("neighbor", "voisin", "m", P, "hear"),
    Noun("king", "roi", "m", P, "hear draw paint"),
    Noun("queen", "reine", "f", P, "hear draw paint"),
    Noun("brother", "frère", "m", P, "hear draw"),
    Noun("sister", "sœur", "f", P, "hear draw"),
    Noun("mother", "mère", "f", P, "hear draw"),
    Noun("father", "père", "m", P, "hear draw"),
    Noun("uncle", "oncle", "m", P, "hear"),
    Noun("aunt", "tante", "f", P, "hear"),
    Noun("baker", "boulanger", "m", P, ""),
    Noun("farmer", "fermier", "m", P, ""),
    Noun("actor", "acteur", "m", P, "hear"),
    Noun("actress", "actrice", "f", P, "hear"),
    Noun("waiter", "serveur", "m", P, ""),
    Noun("singer", "chanteur", "m", P, "hear"),
    Noun("cook", "cuisinier", "m", P, ""),
    Noun("lawyer", "avocat", "m", P, ""),
    Noun("nurse", "infirmière", "f", P, ""),
    Noun("grandmother", "grand-mère", "f", P, "hear draw", fr_pl="grands-mères"),
    Noun("grandfather", "grand-père", "m", P, "hear draw", fr_pl="grands-pères"),
    Noun("soldier", "soldat", "m", P, "draw"),
    Noun("painter", "peintre", "m", P, ""),
    Noun("tourist", "touriste", "m", P, ""),
    # animals
    Noun("dog", "chien", "m", "animal", "wash hear draw paint catch"),
    Noun("cat", "chat", "m", "animal", "wash hear draw paint catch"),
    Noun("horse", "cheval", "m", "animal", "wash hear draw paint", fr_pl="chevaux"),
    Noun("bird", "oiseau", "m", "animal", "hear draw paint catch"),
    Noun("cow", "vache", "f", "animal", "hear draw paint"),
    Noun("mouse", "souris", "f", "animal", "catch draw", en_pl="mice"),
    Noun("fish", "poisson", "m", "animal", "catch draw buy", en_pl="fish"),
    Noun("rabbit", "lapin", "m", "animal", "catch draw paint"),
    Noun("sheep", "mouton", "m", "animal", "hear draw", en_pl="sheep"),
    Noun("duck", "canard", "m", "animal", "hear draw catch"),
    Noun("elephant", "éléphant", "m", "animal", "hear draw paint"),
    Noun("lion", "lion", "m", "animal", "hear draw"),
    Noun("bear", "ours", "m", "animal", "hear draw"),
    Noun("frog", "grenouille", "f", "animal", "hear draw catch"),
    Noun("goat", "chèvre", "f", "animal", "draw"),
    # food and drink
    Noun("apple", "pomme", "f", "thing", "food port buy give throw draw"),
    Noun("cake", "gâteau", "m", "thing", "food port buy give make finish"),
    Noun("orange", "orange", "f", "thing", "food port buy give throw"),
    Noun("egg", "œuf", "m", "thing", "food port buy throw break"),
    Noun("pie", "tarte", "f", "thing", "food port buy give make finish"),
    Noun("sandwich", "sandwich", "m", "thing", "food port buy give make finish",
         fr_pl="sandwichs"),
    Noun("pear", "poire", "f", "thing", "food port buy give draw"),
    Noun("banana", "banane", "f", "thing", "food port buy give"),
    Noun("soup", "soupe", "f", "thing", "food make finish"),
    Noun("cheese", "fromage", "m", "thing", "food port buy give"),
    Noun("tomato", "tomate", "f", "thing", "food port buy", en_pl="tomatoes"),
    Noun("carrot", "carotte", "f", "thing", "food port buy"),
    Noun("coffee", "café", "m", "thing", "drink make finish buy"),
    Noun("tea", "thé", "m", "thing", "drink make finish buy"),
    # things to read, write, learn
    Noun("book", "livre", "m", "thing", "read write port buy give open finish draw"),
    Noun("newspaper", "journal", "m", "thing", "read port buy give open", fr_pl="journaux"),
    Noun("letter", "lettre", "f", "thing", "read write port give open finish learn"),
    Noun("story", "histoire", "f", "thing", "read write learn finish"),
    Noun("map", "carte", "f", "thing", "read port buy give open learn draw"),
    Noun("magazine", "magazine", "m", "thing", "read port buy give"),
    Noun("message", "message", "m", "thing", "read write give learn"),
    Noun("poem", "poème", "m", "thing", "read write learn finish"),
    Noun("song", "chanson", "f", "thing", "write learn hear finish"),
    # vehicles
    Noun("car", "voiture", "f", "thing", "vehicle buy wash clean push paint draw break"),
    Noun("bicycle", "vélo", "m", "thing", "vehicle buy wash clean push paint draw port give"),
    Noun("boat", "bateau", "m", "thing", "vehicle buy wash clean paint draw build"),
    Noun("train", "train", "m", "thing", "vehicle hear draw"),
    Noun("plane", "avion", "m", "thing", "vehicle hear draw"),
    Noun("bus", "bus", "m", "thing", "vehicle hear draw clean", en_pl="buses"),
    Noun("truck", "camion", "m", "thing", "vehicle buy wash clean paint draw"),
    # clothes
    Noun("shirt", "chemise", "f", "thing", "cloth port buy give wash"),
    Noun("dress", "robe", "f", "thing", "cloth port buy give wash draw"),
    Noun("hat", "chapeau", "m", "thing", "cloth port buy give draw"),
    Noun("shoe", "chaussure", "f", "thing", "cloth port buy clean"),
    Noun("coat", "manteau", "m", "thing", "cloth port buy give wash"),
    Noun("skirt", "jupe", "f", "thing", "cloth port buy give wash"),
    Noun("jacket", "veste", "f", "thing", "cloth port buy give wash"),
    # objects
    Noun("key", "clé", "f", "thing", "port give throw"),
    Noun("bag", "sac", "m", "thing", "port buy give open fill"),
    Noun("box", "boîte", "f", "thing", "port buy give open fill push paint"),
    Noun("bottle", "bouteille", "f", "thing", "port buy open fill break wash"),
    Noun("glass", "verre", "m", "thing", "port buy fill break wash"),
    Noun("cup", "tasse", "f", "thing", "port buy fill break wash"),
    Noun("computer", "ordinateur", "m", "thing", "port buy give break"),
    Noun("phone", "téléphone", "m", "thing", "port buy give break"),
    Noun("watch", "montre", "f", "thing", "port buy give break cloth", en_pl="watches"),
    Noun("pen", "stylo", "m", "thing", "port buy give break"),
    Noun("umbrella", "parapluie", "m", "thing", "port buy give open"),
    Noun("ball", "ballon", "m", "thing", "port buy give throw catch push"),
    Noun("flower", "fleur", "f", "thing", "port buy give draw paint"),
    Noun("lamp", "lampe", "f", "thing", "port buy break"),
    Noun("painting", "tableau", "m", "thing", "port buy give"),
    Noun("photo", "photo", "f", "thing", "port give"),
    Noun("ticket", "billet", "m", "thing", "port buy give"),
    Noun("gift", "cadeau", "m", "thing", "port buy give open"),
    Noun("clock", "horloge", "f", "thing", "port buy break"),
    Noun("guitar", "guitare", "f", "thing", "port buy give break hear"),
    Noun("knife", "couteau", "m", "thing", "port buy wash", en_pl="knives"),
    Noun("plate", "assiette", "f", "thing", "port buy fill break wash"),
    Noun("mirror", "miroir", "m", "thing", "port buy break"),
    Noun("basket", "panier", "m", "thing", "port buy give fill"),
    Noun("radio", "radio", "f", "thing", "port buy hear break"),
    Noun("tree", "arbre", "m", "thing", "draw paint"),
    # furniture
    Noun("table", "table", "f", "thing", "buy clean push paint build"),
    Noun("chair", "chaise", "f", "thing", "buy clean push paint build break"),
    Noun("bed", "lit", "m", "thing", "buy clean push build"),
    Noun("door", "porte", "f", "thing", "open paint push clean"),
    Noun("window", "fenêtre", "f", "thing", "open break wash clean"),
    # places
    Noun("market", "marché", "m", "place", "at visit"),
    Noun("school", "école", "f", "place", "at build visit paint"),
    Noun("station", "gare", "f", "place", "at"),
    Noun("park", "parc", "m", "place", "in at visit"),
    Noun("garden", "jardin", "m", "place", "in draw paint"),
    Noun("church", "église", "f", "place", "at visit draw paint build", en_pl="churches"),
    Noun("hospital", "hôpital", "m", "place", "at build", fr_pl="hôpitaux"),
    Noun("library", "bibliothèque", "f", "place", "in at visit"),
    Noun("museum", "musée", "m", "place", "in at visit"),
    Noun("restaurant", "restaurant", "m", "place", "in at"),
    Noun("beach", "plage", "f", "place", "at visit draw paint"),
    Noun("office", "bureau", "m", "place", "in at clean"),
    Noun("kitchen", "cuisine", "f", "place", "in clean paint"),
    Noun("city", "ville", "f", "place", "in visit draw paint leave"),
    Noun("village", "village", "m", "place", "in visit draw paint leave"),
    Noun("forest", "forêt", "f", "place", "in draw paint leave"),
    Noun("river", "rivière", "f", "place", "in draw paint"),
    Noun("bridge", "pont", "m", "place", "draw paint build"),
    Noun("hotel", "hôtel", "m", "place", "in at leave build"),
    Noun("airport", "aéroport", "m", "place", "at leave build"),
    Noun("bank", "banque", "f", "place", "in at"),
    Noun("street", "rue", "f", "place", "in draw clean"),
    Noun("shop", "magasin", "m", "place", "in clean"),
    Noun("castle", "château", "m", "place", "in visit draw paint build"),
    Noun("farm", "ferme", "f", "place", "at visit draw build leave"),
    Noun("house", "maison", "f", "place", "in clean draw paint build leave"),
    Noun("cinema", "cinéma", "m", "place", "at"),
    Noun("theater", "théâtre", "m", "place", "at visit"),
    Noun("lake", "lac", "m", "place", "in draw paint"),
    Noun("mountain", "montagne", "f", "place", "draw paint"),
]
NOUN = {n.en: n for n in NOUNS}
for n in NOUNS:
    if n.kind in ("thing", "animal", "person"):
        n.tags |= {"see"}
    if n.kind == "place":
        n.tags |= {"see", "find"}


class Adj:
    """An adjective: English form, French ms fs mp fp forms, position, what it applies to."""

    def __init__(self, en, forms, pos, applies, ms_vowel=None):
        self.en = en
        fr = forms.split()
        if len(fr) == 1:  # rouge: one form, +s in the plural
            fr = [fr[0], fr[0], fr[0] + "s", fr[0] + "s"]
        elif len(fr) == 2:  # bleu bleue -> bleus bleues (gris -> gris)
            ms, fs = fr
            fr = [ms, fs, ms if ms.endswith(("s", "x")) else ms + "s", fs + "s"]
        self.fr = dict(zip(("msg", "fsg", "mpl", "fpl"), fr))
        self.pos = pos
        self.applies = set(applies.split())
        self.ms_vowel = ms_vowel
        self.color = "color" in self.applies

    def form(self, g, number, next_word=None):
        if g == "m" and number == "sg" and self.ms_vowel and next_word and fr_vowel(next_word):
            return self.ms_vowel
        return self.fr[g + number]


# applies: person animal thing place; "color" marks colours (the second of two adjectives).
ADJS = [
    # before the noun
    Adj("small", "petit petite", "pre", "person animal thing place"),
    Adj("big", "grand grande", "pre", "animal thing place"),
    Adj("tall", "grand grande", "pre", "person"),
    Adj("beautiful", "beau belle beaux belles", "pre", "person animal thing place", "bel"),
    Adj("old", "vieux vieille vieux vieilles", "pre", "person animal thing place", "vieil"),
    Adj("young", "jeune", "pre", "person animal"),
    Adj("good", "bon bonne", "pre", "person thing"),
    Adj("new", "nouveau nouvelle nouveaux nouvelles", "pre", "thing place", "nouvel"),
    Adj("bad", "mauvais mauvaise", "pre", "thing"),
    Adj("pretty", "joli jolie", "pre", "person animal thing place"),
    # after the noun: colours
    Adj("red", "rouge", "post", "color thing animal"),
    Adj("blue", "bleu bleue", "post", "color thing"),
    Adj("green", "vert verte", "post", "color thing"),
    Adj("black", "noir noire", "post", "color thing animal"),
    Adj("white", "blanc blanche blancs blanches", "post", "color thing animal"),
    Adj("yellow", "jaune", "post", "color thing"),
    Adj("gray", "gris grise", "post", "color thing animal"),
    Adj("brown", "brun brune", "post", "color animal"),
    Adj("pink", "rose", "post", "color thing"),
    Adj("purple", "violet violette", "post", "color thing"),
    # after the noun: the rest
    Adj("heavy", "lourd lourde", "post", "thing"),
    Adj("light", "léger légère légers légères", "post", "thing"),
    Adj("expensive", "cher chère chers chères", "post", "thing"),
    Adj("broken", "cassé cassée", "post", "thing"),
    Adj("clean", "propre", "post", "thing place"),
    Adj("dirty", "sale", "post", "thing place animal"),
    Adj("empty", "vide", "post", "thing place"),
    Adj("round", "rond ronde", "post", "thing"),
    Adj("modern", "moderne", "post", "thing place"),
    Adj("strange", "étrange", "post", "person animal thing place"),
    Adj("famous", "célèbre", "post", "person place"),
    Adj("dangerous", "dangereux dangereuse dangereux dangereuses", "post", "animal place"),
    Adj("quiet", "calme", "post", "person animal place"),
    Adj("noisy", "bruyant bruyante", "post", "person animal place"),
    Adj("fast", "rapide", "post", "animal thing"),
    Adj("slow", "lent lente", "post", "animal thing"),
    Adj("happy", "heureux heureuse heureux heureuses", "post", "person animal"),
    Adj("sad", "triste", "post", "person animal"),
    Adj("tired", "fatigué fatiguée", "post", "person animal"),
    Adj("intelligent", "intelligent intelligente", "post", "person animal"),
    Adj("kind", "gentil gentille gentils gentilles", "post", "person"),
    Adj("shy", "timide", "post", "person animal"),
    Adj("curious", "curieux curieuse curieux curieuses", "post", "person animal"),
    Adj("serious", "sérieux sérieuse sérieux sérieuses", "post", "person"),
    Adj("rich", "riche", "post", "person"),
    Adj("busy", "occupé occupée", "post", "person place"),
    Adj("sick", "malade", "post", "person animal"),
    Adj("polite", "poli polie", "post", "person"),
    Adj("lazy", "paresseux paresseuse paresseux paresseuses", "post", "person animal"),
    Adj("brave", "courageux courageuse courageux courageuses", "post", "person"),
    Adj("proud", "fier fière fiers fières", "post", "person"),
]
ADJ = {a.en: a for a in ADJS}


ABSTRACT = {"story", "poem", "message", "song", "coffee", "tea", "soup"}
PHYSICAL = {"big", "clean", "dirty", "empty", "round", "heavy", "light", "broken", "expensive",
            "modern", "fast", "slow"}


def adj_ok(adj, noun):
    """Whether the adjective makes sense with the noun (a toy, not a semantic theory)."""
    if noun.kind not in adj.applies:
        return False
    if noun.en in ABSTRACT and (adj.color or adj.en in PHYSICAL):
        return False
    if adj.color and "food" in noun.tags:
        return noun.en in ("apple", "pear", "egg")
    if adj.en == "empty":
        return noun.kind == "place" or "fill" in noun.tags
    if adj.en in ("clean", "dirty"):
        return "food" not in noun.tags
    if adj.en in ("fast", "slow") and noun.kind == "thing":
        return "vehicle" in noun.tags
    return True


# ---------------------------------------------------------------------------------------------
# French conjugation

AVOIR = ["ai", "as", "a", "avons", "avez", "ont"]
ETRE = {"pres": ["suis", "es", "est", "sommes", "êtes", "sont"],
        "imp": ["étais", "étais", "était", "étions", "étiez", "étaient"],
        "fut": ["serai", "seras", "sera", "serons", "serez", "seront"]}
IMP_END = ["ais", "ais", "ait", "ions", "iez", "aient"]
FUT_END = ["ai", "as", "a", "ons", "ez", "ont"]


class FrVerb:
    """present (6 forms), imparfait stem, futur stem, past participle."""

    def __init__(self, spec):
        parts = spec.split()
        if len(parts) == 1:
            inf = parts[0]
            if inf.endswith("er"):
                st = inf[:-2]
                nous = st + ("e" if st.endswith("g") else "") + "ons"
                if st.endswith("c"):
                    nous = st[:-1] + "çons"
                self.pres = [st + "e", st + "es", st + "e", nous, st + "ez", st + "ent"]
                self.fut, self.pp = inf, st + "é"
            elif inf.endswith("ir"):
                st = inf[:-2]
                self.pres = [st + e for e in ("is", "is", "it", "issons", "issez", "issent")]
                self.fut, self.pp = inf, st + "i"
            else:  # -re like vendre
                st = inf[:-2]
                self.pres = [st + e for e in ("s", "s", "", "ons", "ez", "ent")]
                self.fut, self.pp = inf[:-1], st + "u"
            self.imp = self.pres[3][:-3]
        else:  # "pres1 pres2 pres3 pres4 pres5 pres6 futstem pp"
            self.pres = parts[:6]
            self.fut, self.pp = parts[6], parts[7]
            self.imp = self.pres[3][:-3]

    def form(self, tense, person):
        if tense == "pres":
            return self.pres[person]
        if tense == "fut":
            return self.fut + FUT_END[person]
        if tense == "imp":
            end = IMP_END[person]
            st = self.imp
            if end.startswith("i") and st.endswith("ge"):
                st = st[:-1]
            if end.startswith("i") and st.endswith("ç"):
                st = st[:-1] + "c"
            return st + end
        raise ValueError(tense)

    def participle(self, g="m", number="sg"):
        pp = self.pp
        if g == "f":
            pp += "e"
        if number == "pl" and not pp.endswith("s"):
            pp += "s"
        return pp


class Verb:
    def __init__(self, en, past, fr, kind, subj, obj="", particle=None, s3=None):
        self.base, self.past, self.particle = en, past, particle
        if s3 is None:
            if en.endswith(("s", "sh", "ch", "x", "o")):
                s3 = en + "es"
            elif en.endswith("y") and en[-2] not in "aeiou":
                s3 = en[:-1] + "ies"
            else:
                s3 = en + "s"
        self.s3 = s3
        self.fr = FrVerb(fr)
        self.kind = kind  # tr, ditr, intr
        self.subj = set(subj.split())
        self.obj = set(obj.split())
        self.fr_vowel = fr_vowel(self.fr.pres[0])

    def takes(self, noun):
        return bool(self.obj & noun.tags)


PA = "person animal"
VERBS = [
    Verb("see", "saw", "vois vois voit voyons voyez voient verr vu", "tr", PA, "see"),
    Verb("love", "loved", "aimer", "tr", P, "person animal food cloth vehicle song poem story"),
    Verb("buy", "bought", "achète achètes achète achetons achetez achètent achèter acheté",
         "tr", P, "buy"),
    Verb("sell", "sold", "vendre", "tr", P, "buy"),
    Verb("eat", "ate", "manger", "tr", PA, "food"),
    Verb("drink", "drank", "bois bois boit buvons buvez boivent boir bu", "tr", P, "drink"),
    Verb("read", "read", "lis lis lit lisons lisez lisent lir lu", "tr", P, "read"),
    Verb("write", "wrote", "écris écris écrit écrivons écrivez écrivent écrir écrit", "tr", P,
         "write"),
    Verb("open", "opened", "ouvre ouvres ouvre ouvrons ouvrez ouvrent ouvrir ouvert", "tr", P,
         "open"),
    Verb("close", "closed", "fermer", "tr", P, "open"),
    Verb("find", "found", "trouver", "tr", PA, "port person animal find"),
    Verb("lose", "lost", "perdre", "tr", P, "port"),
    Verb("wash", "washed", "laver", "tr", P, "wash"),
    Verb("clean", "cleaned",
         "nettoie nettoies nettoie nettoyons nettoyez nettoient nettoier nettoyé", "tr", P,
         "clean"),
    Verb("take", "took", "prends prends prend prenons prenez prennent prendr pris", "tr", P,
         "port vehicle"),
    Verb("make", "made", "fais fais fait faisons faites font fer fait", "tr", P, "make"),
    Verb("prepare", "prepared", "préparer", "tr", P, "make"),
    Verb("carry", "carried", "porter", "tr", PA, "port"),
    Verb("look", "looked", "regarder", "tr", PA, "see", particle="at"),
    Verb("hear", "heard", "entendre", "tr", PA, "hear"),
    Verb("listen", "listened", "écouter", "tr", P, "hear", particle="to"),
    Verb("wait", "waited", "attendre", "tr", PA, "person vehicle", particle="for"),
    Verb("look", "looked", "chercher", "tr", PA, "port person animal find", particle="for"),
    Verb("help", "helped", "aider", "tr", P, "person animal"),
    Verb("call", "called",
         "appelle appelles appelle appelons appelez appellent appeller appelé", "tr", P,
         "person animal"),
    Verb("meet", "met", "rencontrer", "tr", P, "person"),
    Verb("know", "knew",
         "connais connais connaît connaissons connaissez connaissent connaîtr connu", "tr", P,
         "person song poem story place"),
    Verb("understand", "understood",
         "comprends comprends comprend comprenons comprenez comprennent comprendr compris", "tr",
         P, "learn read"),
    Verb("learn", "learned",
         "apprends apprends apprend apprenons apprenez apprennent apprendr appris", "tr", P,
         "learn"),
    Verb("paint", "painted", "peins peins peint peignons peignez peignent peindr peint", "tr", P,
         "paint"),
    Verb("draw", "drew", "dessiner", "tr", P, "draw"),
    Verb("visit", "visited", "visiter", "tr", P, "visit"),
    Verb("break", "broke", "casser", "tr", PA, "break"),
    Verb("repair", "repaired", "réparer", "tr", P, "break vehicle"),
    Verb("forget", "forgot", "oublier", "tr", P, "port learn"),
    Verb("follow", "followed", "suis suis suit suivons suivez suivent suivr suivi", "tr", PA,
         "person animal vehicle"),
    Verb("push", "pushed", "pousser", "tr", PA, "push"),
    Verb("throw", "threw", "lancer", "tr", P, "throw"),
    Verb("catch", "caught", "attraper", "tr", PA, "catch"),
    Verb("choose", "chose", "choisir", "tr", P, "buy"),
    Verb("finish", "finished", "finir", "tr", P, "finish"),
    Verb("fill", "filled", "remplir", "tr", P, "fill"),
    Verb("receive", "received",
         "reçois reçois reçoit recevons recevez reçoivent recevr reçu", "tr", P, "give"),
    Verb("keep", "kept", "garder", "tr", PA, "port"),
    Verb("hide", "hid", "cacher", "tr", PA, "port"),
    Verb("leave", "left", "quitter", "tr", PA, "leave"),
    Verb("build", "built",
         "construis construis construit construisons construisez construisent construir "
         "construit", "tr", P, "build"),
    Verb("kiss", "kissed", "embrasser", "tr", P, "person"),
    # verbs with an object and a person to give it to
    Verb("give", "gave", "donner", "ditr", P, "give"),
    Verb("show", "showed", "montrer", "ditr", P, "give read"),
    Verb("send", "sent", "envoie envoies envoie envoyons envoyez envoient enverr envoyé", "ditr",
         P, "give"),
    Verb("lend", "lent", "prêter", "ditr", P, "give"),
    Verb("offer", "offered", "offre offres offre offrons offrez offrent offrir offert", "ditr",
         P, "give"),
    Verb("explain", "explained", "expliquer", "ditr", P, "learn"),
    Verb("bring", "brought", "apporter", "ditr", P, "food drink give"),
    # without an object
    Verb("sleep", "slept", "dors dors dort dormons dormez dorment dormir dormi", "intr", PA),
    Verb("work", "worked", "travailler", "intr", P),
    Verb("sing", "sang", "chanter", "intr", P),
    Verb("dance", "danced", "danser", "intr", P),
    Verb("swim", "swam", "nager", "intr", PA),
    Verb("laugh", "laughed", "ris ris rit rions riez rient rir ri", "intr", P),
    Verb("cry", "cried", "pleurer", "intr", P),
    Verb("walk", "walked", "marcher", "intr", PA),
    Verb("run", "ran", "cours cours court courons courez courent courr couru", "intr", PA),
    Verb("play", "played", "jouer", "intr", PA),
    Verb("wait", "waited", "attendre", "intr", PA),
    Verb("travel", "traveled", "voyager", "intr", P),
    Verb("shout", "shouted", "crier", "intr", P),
    Verb("smile", "smiled", "souris souris sourit sourions souriez sourient sourir souri",
         "intr", P),
]
TR = [v for v in VERBS if v.kind == "tr"]
DITR = [v for v in VERBS if v.kind == "ditr"]
INTR = [v for v in VERBS if v.kind == "intr"]
VERB = {(v.base, v.particle, v.kind): v for v in VERBS}


# Nouns an it/them may stand for (things and animals that at least two verbs take), and the
# verbs that take them.
ANTE_NOUNS = [n for n in NOUNS if n.kind in ("thing", "animal")
              and sum(v.takes(n) for v in TR) >= 2]
ANTE_VERBS = [v for v in TR if any(v.takes(n) for n in ANTE_NOUNS)]


class Pron:
    """A personal pronoun subject or object."""

    def __init__(self, en, en_obj, fr, fr_obj, fr_iobj, person, g, number):
        self.en, self.en_obj, self.fr, self.fr_obj, self.fr_iobj = en, en_obj, fr, fr_obj, fr_iobj
        self.person, self.g, self.number = person, g, number
        self.kind = P


PRONS = {
    "I": Pron("I", "me", "je", None, None, 0, "m", "sg"),
    "you": Pron("you", "you", "tu", None, None, 1, "m", "sg"),
    "he": Pron("he", "him", "il", "le", "lui", 2, "m", "sg"),
    "she": Pron("she", "her", "elle", "la", "lui", 2, "f", "sg"),
    "we": Pron("we", "us", "nous", None, None, 3, "m", "pl"),
    "they": Pron("they", "them", "ils", "les", "leur", 5, "m", "pl"),
}
OBJ_PRONS = [PRONS[k] for k in ("he", "she", "they")]

FR_POSS = {"my": ("mon", "ma", "mes"), "your": ("ton", "ta", "tes"), "his": ("son", "sa", "ses"),
           "her": ("son", "sa", "ses"), "our": ("notre", "notre", "nos"),
           "their": ("leur", "leur", "leurs")}
NUMBERS = {"two": "deux", "three": "trois", "four": "quatre", "five": "cinq"}

TIMES = {
    "pres": [("every day", "tous les jours"), ("every morning", "tous les matins"),
             ("today", "aujourd'hui"), ("now", "maintenant")],
    "pc": [("yesterday", "hier"), ("last week", "la semaine dernière"),
           ("last year", "la année dernière"), ("this morning", "ce matin"),
           ("last night", "hier soir")],
    "fut": [("tomorrow", "demain"), ("next week", "la semaine prochaine"),
            ("next year", "la année prochaine"), ("tonight", "ce soir"), ("soon", "bientôt")],
    "imp": [("every day", "tous les jours"), ("every summer", "chaque été"),
            ("every evening", "tous les soirs"), ("every winter", "chaque hiver")],
}
ADVS = {"often": "souvent", "always": "toujours", "sometimes": "parfois"}
# (English, French, which places): "at" and "in" only where English says so.
PREPS = [("in", "dans", "in"), ("at", "à", "at"), ("near", "près de", None),
         ("behind", "derrière", None), ("in front of", "devant", None),
         ("next to", "à côté de", None), ("far from", "loin de", None)]
CONNECTORS = [("and", "et"), ("but", "mais")]


# ---------------------------------------------------------------------------------------------
# Noun phrases and clauses. Each renders as (English tokens, French tokens); French elision and
# contractions are applied to the whole sentence at the end (finish_fr).

class NP:
    def __init__(self, noun, det="the", number="sg", pre=None, post=None, rel=None, poss=None):
        self.noun, self.det, self.number = noun, det, number
        self.pre, self.post, self.rel, self.poss = pre, post, rel, poss
        self.g, self.kind = noun.g, noun.kind
        self.person = 2 if number == "sg" else 5

    def en(self):
        if self.poss is not None:
            out = self.poss.en()
            out[-1] += "'s"
        elif self.det in ("the", "a", "my", "your", "his", "her", "our", "their", "many"):
            out = [self.det]
        elif self.det == "this":
            out = ["this" if self.number == "sg" else "these"]
        elif self.det in NUMBERS:
            out = [self.det]
        else:  # bare plural
            out = []
        if self.pre:
            out.append(self.pre.en)
        if self.post:
            out.append(self.post.en)
        out.append(self.noun.en if self.number == "sg" else self.noun.en_pl)
        if self.rel is not None:
            out += self.rel.en(antecedent=self)
        return out

    def fr(self, negated_object=False):
        g, num = self.g, self.number
        noun = self.noun.fr if num == "sg" else self.noun.fr_pl
        pre = self.pre.form(g, num, noun) if self.pre else None
        first = pre or noun
        det = self.det if self.poss is None else "the"
        if negated_object and det in ("a", "bare"):
            art = ["de"]
        elif det == "the":
            art = ["les" if num == "pl" else ("le" if g == "m" else "la")]
        elif det == "a":
            art = ["un" if g == "m" else "une"]
        elif det == "bare":
            art = ["de" if pre else "des"]
        elif det == "many":
            art = ["beaucoup", "de"]
        elif det == "this":
            art = ["ces" if num == "pl" else
                   ("cette" if g == "f" else ("cet" if fr_vowel(first) else "ce"))]
        elif det in NUMBERS:
            art = [NUMBERS[det]]
        else:
            ms, fs, pl = FR_POSS[det]
            art = [pl if num == "pl" else (ms if g == "m" or fr_vowel(first) else fs)]
        out = art + ([pre] if pre else []) + [noun]
        if self.post:
            out.append(self.post.form(g, num))
        if self.poss is not None:
            out += ["de"] + self.poss.fr()
        if self.rel is not None:
            out += self.rel.fr(antecedent=self)
        return out


class Clause:
    """subject verb [object] [to iobj] [pp] [time]. obj may be an NP, a Pron (placed before the
    verb in French), or "gap" (an object relative clause: the antecedent is the object). subj may
    be "gap" (a subject relative clause). iobj is an NP (after the object) or a Pron (lui/leur)."""

    def __init__(self, subj, verb, tense="pres", neg=None, adv=None, obj=None, iobj=None,
                 pp=None, time=None, copula_adj=None):
        self.subj, self.verb, self.tense, self.neg, self.adv = subj, verb, tense, neg, adv
        self.obj, self.iobj, self.pp, self.time = obj, iobj, pp, time
        self.copula_adj = copula_adj

    # --- English
    def en_verb_group(self, person):
        v, t, neg, adv = self.verb, self.tense, self.neg, self.adv
        third = person == 2
        if self.copula_adj is not None:
            if t == "pres":
                be = ["am", "are", "is", "are", "are", "are"][person]
            elif t == "imp":
                be = "was" if person in (0, 2) else "were"
            else:
                be = "will"
            out = [be] + ([{"not": "not", "never": "never"}[neg]] if neg else [])
            return out + (["be"] if t == "fut" else [])
        if t == "pres":
            if neg == "not":
                out = ["does" if third else "do", "not", v.base]
            elif neg == "never":
                out = ["never", v.s3 if third else v.base]
            else:
                out = ([adv] if adv else []) + [v.s3 if third else v.base]
        elif t == "pc":
            if neg == "not":
                out = ["did", "not", v.base]
            elif neg == "never":
                out = ["never", v.past]
            else:
                out = ([adv] if adv else []) + [v.past]
        elif t == "fut":
            if neg:
                out = ["will", neg, v.base]
            else:
                out = ["will"] + ([adv] if adv else []) + [v.base]
        else:  # imp
            out = ["did", "not", "use", "to", v.base] if neg else ["used", "to", v.base]
        if v.particle:
            out.append(v.particle)
        return out

    def en(self, antecedent=None):
        out = []
        if self.subj == "gap":
            out.append("who" if antecedent.kind == P else "that")
            person = antecedent.person
        else:
            if self.obj == "gap":
                out.append("that")
            out += [self.subj.en] if isinstance(self.subj, Pron) else self.subj.en()
            person = self.subj.person
        out += self.en_verb_group(person)
        if self.copula_adj is not None:
            out.append(self.copula_adj.en)
        if isinstance(self.iobj, Pron):
            out.append(self.iobj.en_obj)
        if isinstance(self.obj, Pron):
            out.append(self.obj.en_obj)
        elif isinstance(self.obj, NP):
            out += self.obj.en()
        if isinstance(self.iobj, NP):
            out += ["to"] + self.iobj.en()
        if self.pp:
            out += self.pp[0].split() + self.pp[2].en()
        if self.time:
            out += self.time[0].split()
        return out

    # --- French
    def fr(self, antecedent=None):
        out = []
        if self.subj == "gap":
            out.append("qui")
            person, subj_g, subj_n = antecedent.person, antecedent.g, antecedent.number
        else:
            if self.obj == "gap":
                out.append("que")
            if isinstance(self.subj, Pron):
                out.append(self.subj.fr)
            else:
                out += self.subj.fr()
            person, subj_g, subj_n = self.subj.person, self.subj.g, self.subj.number
        neg = {"not": "pas", "never": "jamais", None: None}[self.neg]
        if neg:
            out.append("ne")
        if isinstance(self.obj, Pron):
            out.append(self.obj.fr_obj)
        if isinstance(self.iobj, Pron):
            out.append(self.iobj.fr_iobj)
        adv = [ADVS[self.adv]] if self.adv else []
        if self.copula_adj is not None:
            out.append(ETRE[self.tense][person])
            out += ([neg] if neg else []) + adv
            out.append(self.copula_adj.form(subj_g, subj_n))
        elif self.tense == "pc":
            out.append(AVOIR[person])
            out += ([neg] if neg else []) + adv
            # The participle agrees with a direct object placed before it.
            if self.obj == "gap":
                out.append(self.verb.fr.participle(antecedent.g, antecedent.number))
            elif isinstance(self.obj, Pron) or isinstance(self.obj, Ante):
                out.append(self.verb.fr.participle(self.obj.g, self.obj.number))
            else:
                out.append(self.verb.fr.participle())
        else:
            out.append(self.verb.fr.form(self.tense, person))
            out += ([neg] if neg else []) + adv
        if isinstance(self.obj, NP):
            out += self.obj.fr(negated_object=neg is not None)
        if isinstance(self.iobj, NP):
            out += ["à"] + self.iobj.fr()
        if self.pp:
            out += self.pp[1].split() + self.pp[2].fr()
        if self.time:
            out += self.time[1].split()
        return out


class Ante(Pron):
    """it/them standing for a noun named earlier in the sentence (le/la/les by its gender)."""

    def __init__(self, np):
        pl = np.number == "pl"
        fr = "les" if pl else ("le" if np.g == "m" else "la")
        super().__init__("they" if pl else "it", "them" if pl else "it", None, fr, None, 0,
                         np.g, np.number)


class Coord:
    def __init__(self, first, connector, second):
        self.first, self.connector, self.second = first, connector, second

    def en(self):
        return self.first.en() + [self.connector[0]] + self.second.en()

    def fr(self):
        return self.first.fr() + [self.connector[1]] + self.second.fr()


ELIDE = {"je", "me", "te", "le", "la", "ne", "de", "que"}
CONTRACT = {("à", "le"): "au", ("à", "les"): "aux", ("de", "le"): "du", ("de", "les"): "des"}


def finish_fr(tokens):
    """Elision (le arbre -> l'arbre, que il -> qu'il), then contractions (à le -> au), then the
    sentence as a string with a capital and a full stop."""
    toks = list(tokens)
    for i in range(len(toks) - 1):
        if toks[i] in ELIDE and fr_vowel(toks[i + 1]):
            toks[i] = toks[i][:-1] + "'"
    out = []
    for t in toks:
        if out and (out[-1], t) in CONTRACT:
            out[-1] = CONTRACT[(out[-1], t)]
        else:
            out.append(t)
    s = ""
    for t in out:
        s += t if (not s or s.endswith("'")) else " " + t
    return s[0].upper() + s[1:] + "."


def finish_en(tokens):
    toks = list(tokens)
    for i in range(len(toks) - 1):
        if toks[i] == "a" and toks[i + 1][0] in "aeiou" and toks[i + 1] not in EN_AN_EXCEPTIONS:
            toks[i] = "an"
    s = " ".join(toks)
    return s[0].upper() + s[1:] + "."


def en_length(tokens):
    """Tokens as attend's tokenizer counts them: words (the possessive 's stays on its word) plus
    the full stop."""
    return sum(len(t.split()) for t in tokens) + 1


# ---------------------------------------------------------------------------------------------
# Random sentences

class Gen:
    def __init__(self, rng):
        self.r = rng
        self.cache = {}

    def chance(self, p):
        return self.r.random() < p

    def choice(self, seq):
        return seq[self.r.randrange(len(seq))]

    def cached(self, key, build):
        """The list build() returns, computed once per key (the lexicon never changes)."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    def noun(self, key, pred):
        return self.choice(self.cached(key, lambda: [n for n in NOUNS if pred(n)]))

    def adjs(self, noun, which):
        def build():
            ok = [a for a in ADJS if adj_ok(a, noun)]
            if which == "color":
                return [a for a in ok if a.color]
            return [a for a in ok if which in ("any", a.pos)]
        return self.cached(("adj", noun.en, which), build)

    def np(self, key, pred, role="obj", depth=0, allow_rel=True, number=None, dets=None):
        noun = self.noun(key, pred)
        if number is None:
            number = "pl" if self.chance(0.3) else "sg"
        if dets is None:
            if role == "subj":
                dets = ["the"] * 5 + ["a"] * 2 + ["this", "my", "your", "his", "her", "our",
                                                  "their"]
            elif role == "obj":
                dets = ["the"] * 5 + ["a"] * 3 + ["bare", "this", "my", "your", "his", "her",
                                                  "our", "their", "num", "many"]
            else:  # place, possessor, indirect object, antecedent
                dets = ["the"] * 5 + ["this", "my", "your", "his", "her", "our", "their"]
        det = self.choice(dets)
        if det == "a":
            number = "sg"
        elif det in ("bare", "num", "many"):
            number = "pl"
        if det == "num":
            det = self.choice(list(NUMBERS))
        if noun.en == noun.en_pl and number == "pl" and det not in NUMBERS:
            # "the fish", "sheep": English does not say whether it is one or several
            det, number = ("the" if det in ("bare", "many") else det), "sg"
        pre = post = None
        r = self.r.random()
        if r < 0.22:
            pre = self.choice(self.adjs(noun, "pre"))
        elif r < 0.44:
            post = self.choice(self.adjs(noun, "post"))
        elif r < 0.52:
            pre = self.choice(self.adjs(noun, "pre"))
            colors = self.adjs(noun, "color")
            if colors:
                post = self.choice(colors)
        poss = None
        if role in ("obj", "subj") and det == "the" and depth == 0 and self.chance(0.1):
            poss = NP(self.noun("people", lambda n: n.kind == P), det=self.choice(
                ["the", "the", "my", "your", "his", "her", "our", "their"]), number="sg",
                pre=None)
            if self.chance(0.25):
                poss.pre = self.choice(self.adjs(poss.noun, "pre"))
        rel = None
        if allow_rel and depth == 0 and self.chance(0.16):
            rel = self.relative(noun)
        return NP(noun, det, number, pre, post, rel, poss)

    def subject(self, verb, depth=0, allow_rel=True):
        if self.chance(0.45):
            return PRONS[self.choice(list(PRONS))]
        return self.np(("subj", verb), lambda n: n.kind in verb.subj, "subj", depth, allow_rel)

    def tense(self):
        return self.choice(["pres", "pres", "pc", "pc", "fut", "imp"])

    def neg_adv(self, tense):
        r = self.r.random()
        if r < 0.2:
            return "not", None
        if r < 0.27 and tense != "imp":
            return "never", None
        if r < 0.37 and tense != "imp":
            return None, self.choice(list(ADVS))
        return None, None

    def place_pp(self):
        en, fr, need = self.choice(PREPS)
        np = self.np(("place", need), lambda n: n.kind == "place" and (need is None or need in n.tags), "place",
                     depth=1, allow_rel=False)
        return (en, fr, np)

    def with_pp(self, depth):
        en, fr = self.choice([("with", "avec"), ("for", "pour")])
        return (en, fr, self.np("animate", lambda n: n.kind in (P, "animal"), "place", depth=1,
                                allow_rel=False))

    def extras(self, clause, depth):
        if self.chance(0.35 if depth == 0 else 0.15):
            clause.pp = self.place_pp() if self.chance(0.8) else self.with_pp(depth)
        if self.chance(0.3 if depth == 0 else 0.1):
            clause.time = self.choice(TIMES[clause.tense])
        return clause

    def relative(self, noun):
        """A relative clause on noun: 'who/that V ...' or 'that S V'."""
        tense = self.tense()
        neg = "not" if self.chance(0.12) else None
        if self.chance(0.55):
            subj_verbs = self.cached(("subj-verbs", noun.kind),
                                     lambda: [v for v in TR + INTR if noun.kind in v.subj])
            if subj_verbs:
                v = self.choice(subj_verbs)
                obj = None
                if v.kind == "tr":
                    obj = self.np(("obj", v), lambda n: v.takes(n), "obj", depth=1, allow_rel=False)
                return Clause("gap", v, tense, neg, obj=obj)
        obj_verbs = self.cached(("obj-verbs", noun.en),
                                lambda: [v for v in TR if v.takes(noun)])
        v = self.choice(obj_verbs)
        subj = self.subject(v, depth=1, allow_rel=False)
        return Clause(subj, v, tense, neg, obj="gap")

    def clause(self, depth=0):
        r = self.r.random()
        tense = self.tense()
        neg, adv = self.neg_adv(tense)
        if r < 0.16:  # intransitive
            v = self.choice(INTR)
            c = Clause(self.subject(v, depth), v, tense, neg, adv)
            if self.chance(0.6):
                c.pp = self.place_pp() if self.chance(0.7) else self.with_pp(depth)
            if self.chance(0.4):
                c.time = self.choice(TIMES[tense])
            return c
        if r < 0.60:  # transitive with a noun object
            v = self.choice(TR)
            c = Clause(self.subject(v, depth), v, tense, neg, adv,
                       obj=self.np(("obj", v), lambda n: v.takes(n), "obj", depth))
            return self.extras(c, depth)
        if r < 0.70:  # transitive with a pronoun object (him, her, them)
            v = self.choice(self.cached("person-verbs", lambda: [v for v in TR if P in v.obj]))
            c = Clause(self.subject(v, depth), v, tense, neg, adv, obj=self.choice(OBJ_PRONS))
            return self.extras(c, depth)
        if r < 0.82:  # give X to Y / give him X
            v = self.choice(DITR)
            obj = self.np(("obj", v), lambda n: v.takes(n), "obj", depth, allow_rel=self.chance(0.5))
            if self.chance(0.35):
                iobj = self.choice(OBJ_PRONS)
            else:
                iobj = self.np("people", lambda n: n.kind == P, "iobj", depth=1, allow_rel=False)
            c = Clause(self.subject(v, depth), v, tense, neg, adv, obj=obj, iobj=iobj)
            return self.extras(c, depth)
        # copula: NP is ADJ
        tense = self.choice(["pres", "pres", "imp", "fut"])
        neg = "not" if self.chance(0.2) else None
        if self.chance(0.15):
            subj = PRONS[self.choice(["he", "she"])]
            adj = self.choice(self.cached("person-adjs", lambda: [a for a in ADJS if P in a.applies]))
        else:
            subj = self.np("all", lambda n: True, "subj", depth)
            adj = self.choice(self.adjs(subj.noun, "any"))
        return Clause(subj, None, tense, neg, copula_adj=adj)

    def antecedent_pair(self):
        """V the N and S V it/them: the pronoun's French form comes from the noun's gender."""
        v1 = self.choice(ANTE_VERBS)
        obj = self.np(("ante", v1), lambda n: n in ANTE_NOUNS and v1.takes(n), "ante", allow_rel=False)
        t1 = self.tense()
        first = Clause(self.subject(v1, 1, False), v1, t1, obj=obj)
        v2 = self.choice([v for v in self.cached(("obj-verbs", obj.noun.en),
                                                 lambda: [v for v in TR if v.takes(obj.noun)])
                          if v is not v1])
        t2 = self.choice([t1, t1, self.tense()])
        neg, adv = self.neg_adv(t2)
        second = Clause(self.subject(v2, 1, False), v2, t2, neg, adv, obj=Ante(obj))
        if self.chance(0.3):
            self.extras(second, 1)
        return Coord(first, self.choice(CONNECTORS), second)

    def sentence(self):
        r = self.r.random()
        if r < 0.14:
            return self.antecedent_pair()
        if r < 0.24:
            return Coord(self.clause(1), self.choice(CONNECTORS), self.clause(1))
        if r < 0.34:  # long: two full clauses, relative clauses allowed
            return Coord(self.clause(0), self.choice(CONNECTORS), self.clause(0))
        return self.clause(0)


# ---------------------------------------------------------------------------------------------
# Hand-checked examples, rebuilt from their parses

def _examples():
    n, a, pr = NOUN, ADJ, PRONS
    tr = lambda en, part=None: VERB[(en, part, "tr")]  # noqa: E731
    ditr = lambda en: VERB[(en, None, "ditr")]  # noqa: E731
    intr = lambda en: VERB[(en, None, "intr")]  # noqa: E731
    keys = NP(n["key"], "the", "pl")
    cars = NP(n["car"], "the", "pl")
    cars.rel = Clause(NP(n["brother"], "my"), tr("buy"), "pc", obj="gap")
    woman = NP(n["woman"])
    woman.rel = Clause("gap", tr("sell"), obj=NP(n["flower"], "the", "pl"))
    trees = NP(n["tree"], "the", "pl", pre=a["beautiful"], poss=NP(n["teacher"]))
    return [
        (Clause(pr["I"], tr("see"), obj=pr["he"]), "I see him.", "Je le vois."),
        (Clause(pr["she"], tr("see"), "pc", obj=pr["she"]), "She saw her.", "Elle l'a vue."),
        (Clause(NP(n["car"], pre=a["small"], post=a["red"]), None, copula_adj=a["heavy"]),
         "The small red car is heavy.", "La petite voiture rouge est lourde."),
        (Clause(pr["we"], tr("buy"), "pc", "not", obj=NP(n["car"], "a")),
         "We did not buy a car.", "Nous n'avons pas acheté de voiture."),
        (Coord(Clause(pr["I"], tr("find"), "pc", obj=keys), ("and", "et"),
               Clause(pr["I"], tr("lose"), "pc", obj=Ante(keys))),
         "I found the keys and I lost them.", "J'ai trouvé les clés et je les ai perdues."),
        (Clause(NP(n["man"], pre=a["old"]), ditr("give"), "fut", obj=NP(n["book"]),
                iobj=NP(n["girl"], "the", "pl")),
         "The old man will give the book to the girls.",
         "Le vieil homme donnera le livre aux filles."),
        (Clause(NP(n["sister"], "my"), tr("read"), "imp", obj=NP(n["newspaper"]),
                time=TIMES["imp"][0]),
         "My sister used to read the newspaper every day.",
         "Ma sœur lisait le journal tous les jours."),
        (Clause(cars, None, copula_adj=a["white"]),
         "The cars that my brother bought are white.",
         "Les voitures que mon frère a achetées sont blanches."),
        (Clause(woman, intr("sing")), "The woman who sells the flowers sings.",
         "La femme qui vend les fleurs chante."),
        (Clause(pr["he"], tr("eat"), "pres", "never", obj=NP(n["apple"], "bare", "pl")),
         "He never eats apples.", "Il ne mange jamais de pommes."),
        (Clause(pr["they"], tr("visit"), "fut", obj=NP(n["museum"]), time=TIMES["fut"][1]),
         "They will visit the museum next week.", "Ils visiteront le musée la semaine prochaine."),
        (Clause(pr["I"], tr("look", "at"), "pc", obj=trees),
         "I looked at the teacher's beautiful trees.",
         "J'ai regardé les beaux arbres du professeur."),
        (Clause(NP(n["friend"], "my"), tr("see"), "pres", "not",
                obj=NP(n["tree"], "a", pre=a["beautiful"])),
         "My friend does not see a beautiful tree.", "Mon ami ne voit pas de bel arbre."),
        (Clause(pr["you"], tr("listen", "to"), adv="often", obj=NP(n["bird"], "the", "pl"),
                pp=("in", "dans", NP(n["garden"]))),
         "You often listen to the birds in the garden.",
         "Tu écoutes souvent les oiseaux dans le jardin."),
        (Clause(pr["she"], ditr("give"), "pc", obj=NP(n["umbrella"], pre=a["old"]),
                iobj=pr["they"]),
         "She gave them the old umbrella.", "Elle leur a donné le vieux parapluie."),
        (Clause(NP(n["hotel"], "this", pre=a["old"]), None, "imp", copula_adj=a["empty"]),
         "This old hotel was empty.", "Ce vieil hôtel était vide."),
        (Clause(pr["we"], tr("wait", "for"), "fut", "not", obj=pr["she"],
                pp=("at", "à", NP(n["school"], "our"))),
         "We will not wait for her at our school.", "Nous ne l'attendrons pas à notre école."),
        (Clause(NP(n["child"], "the", "pl"), tr("eat"), "imp", obj=NP(n["egg"], "bare", "pl"),
                pp=("near", "près de", NP(n["hospital"]))),
         "The children used to eat eggs near the hospital.",
         "Les enfants mangeaient des œufs près de l'hôpital."),
    ]


def check_examples():
    for parse, en, fr in _examples():
        got = (finish_en(parse.en()), finish_fr(parse.fr()))
        if got != (en, fr):
            sys.exit(f"gen_translation.py: example changed: expected {en!r} -> {fr!r}, "
                     f"got {got[0]!r} -> {got[1]!r}")


# ---------------------------------------------------------------------------------------------
# Output

def generate():
    check_examples()
    rng = random.Random(SEED)
    gen = Gen(rng)
    by_len = {n: [] for n in range(MIN_LEN, MAX_LEN + 1)}
    seen_en, seen_fr = set(), set()
    for _ in range(POOL_SIZE):
        s = gen.sentence()
        toks = s.en()
        n = en_length(toks)
        if n < MIN_LEN or n > MAX_LEN:
            continue
        en, fr = finish_en(toks), finish_fr(s.fr())
        if en in seen_en or fr in seen_fr:
            continue
        seen_en.add(en)
        seen_fr.add(fr)
        by_len[n].append((en, fr))
    total = sum(size for _, size in SPLITS)
    # Quotas by length; what a length cannot fill goes to the others, in proportion.
    quota = {}
    left, weights = total, dict(LENGTH_WEIGHTS)
    while weights:
        wsum = sum(weights.values())
        short = {n: len(by_len[n]) for n, w in weights.items()
                 if len(by_len[n]) < left * w / wsum}
        if not short:
            for n, w in weights.items():
                quota[n] = int(left * w / wsum)
            rest = left - sum(quota[n] for n in weights)
            for n in sorted(weights, key=lambda n: -weights[n])[:rest]:
                quota[n] += 1
            break
        for n, size in short.items():
            quota[n] = size
            left -= size
            del weights[n]
    chosen = []
    for n in range(MIN_LEN, MAX_LEN + 1):
        chosen += by_len[n][:quota.get(n, 0)]
    if len(chosen) != total:
        sys.exit(f"gen_translation.py: only {len(chosen)} distinct sentences, need {total}")
    rng.shuffle(chosen)
    out, start = {}, 0
    for name, size in SPLITS:
        out[name] = chosen[start:start + size]
        start += size
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "data"))
    ap.add_argument("--stats", action="store_true", help="print the length distribution")
    args = ap.parse_args()
    splits = generate()
    os.makedirs(args.out, exist_ok=True)
    for name, pairs in splits.items():
        text = "".join(f"{en}\t{fr}\n" for en, fr in pairs).encode("utf-8")
        with open(os.path.join(args.out, f"translation.{name}.tsv.gz"), "wb") as f:
            f.write(gzip_bytes(text))
    if args.stats:
        from collections import Counter
        lens = Counter(en_length(en[:-1].split()) for p in splits.values() for en, _ in p)
        for n in sorted(lens):
            print(f"{n:3d} {lens[n]:6d}")


if __name__ == "__main__":
    main()
