"""Words instead of keys: "cek tagihan" at the main menu is 1, "ya benar" at a confirmation is yes.

The words are data (flows/words/<lang>/<flow>.yaml, keyed by node then option; yes/no, fillers
and negations once in common.yaml), checked at start-up. `match` reads a transcript or a typed
message at one node and returns the keys a caller would have pressed, or None: it never guesses.

The rule at a menu (and a confirmation, with the yes/no words):
1. what is left after filler words ("saya mau", "tolong", "please", "press") is a number said
   or written ("tiga", "3"): that key, if the node offers it, else nothing;
2. otherwise every word or phrase of the node found as whole words counts, the longest first
   where they overlap ("tidak ada listrik" is one phrase, not "tidak" and "listrik"), and so
   does a lone key ("2", "dua"); exactly one choice named -> that choice; two -> nothing;
3. a negation left over outside every phrase ("bukan tagihan", "not my bill") -> nothing.
Both languages' words are heard whatever the call's language: callers mix them ("cek bill",
"token", "operator") and a recogniser set to one language still writes the other's loanwords.
The loader makes that safe: no phrase may lead to two choices of a node in any language. The
call's language only decides which language's number words are tried first.
At a collect node the words are a number (spoken_numbers), perhaps after a few words leading up
to it ("nomor meter saya ..."); one-key collects (a choice stored as its key) may have words too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from ivr.engine.model import CollectNode, ConfirmNode, MenuNode, Phrase, Vocabulary, WaitingNode
from ivr.engine.spoken_numbers import DIGIT, LEXICON, NUMBER_WORDS, spoken_digits
from ivr.engine.tokens import is_numeral, words
from ivr.engine.vocabulary import YES_NO_KEYS

MAX_WORDS = 60  # a longer message is a story, not a choice: left to the node's refusal
MAX_LEAD_IN = 6  # words before a number that only introduce it: "my meter number is"
_DIGIT_WORDS = {
    word: str(value) for lexicon in LEXICON.values() for word, (kind, value) in lexicon.items() if kind == DIGIT
}


def match(vocabulary: Vocabulary, node: WaitingNode, text: str, language: str) -> str | None:
    """The keys `text` (typed or transcribed) stands for at `node`, or None when it says no one thing."""
    said = words(text)
    if not said or len(said) > MAX_WORDS:
        return None
    core = _without_fillers(said, vocabulary.fillers)
    if isinstance(node, CollectNode):
        table = vocabulary.tables.get(node.qualified)
        chosen = _choose(said, table, vocabulary.negations) if table else None
        return chosen or _number_after_lead_in(core, language, vocabulary.negations)
    if isinstance(node, MenuNode):
        table, keys = vocabulary.tables.get(node.qualified, {}), set(node.options)
    elif isinstance(node, ConfirmNode):
        table, keys = vocabulary.yes_no, set(YES_NO_KEYS.values())
    else:
        return None
    number = spoken_digits(core, language) if core else None
    if number is not None:
        return number if number in keys else None
    chosen = _choose(said, {**_lone_keys(keys), **table}, vocabulary.negations)
    return chosen if chosen in keys else None


def hints(vocabulary: Vocabulary, node: WaitingNode, language: str) -> list[str]:
    """The phrases worth telling a speech recogniser at `node` (Twilio <Gather hints>), in `language`."""
    if isinstance(node, ConfirmNode):
        by_key = vocabulary.answers.get(language, {})
    else:
        by_key = vocabulary.choices.get(language, {}).get(node.qualified, {})
    return list(dict.fromkeys(phrase for phrases in by_key.values() for phrase in phrases))


def _number_after_lead_in(said: Sequence[str], language: str, negations: frozenset[str]) -> str | None:
    """The number `said` ends with, after a few words leading up to it ("nomor meter saya satu empat ...").

    Words after the number, or a negation before it ("bukan satu dua"), leave it unread.
    """
    for start in range(min(len(said), MAX_LEAD_IN + 1)):
        if said[start] in negations:
            return None
        digits = spoken_digits(said[start:], language)
        if digits is not None:
            return digits
    return None


def masked(text: str) -> str:
    """`text` with every number in it hidden ("nomor saya # # #"): what was said for an id, fit to keep."""
    return " ".join("#" if word in NUMBER_WORDS or any(c.isdigit() for c in word) else word for word in words(text))


def _lone_keys(keys: Iterable[str]) -> dict[Phrase, str]:
    """A key said on its own among other words ("yang 2", "nomor dua saja") names that choice."""
    lone: dict[Phrase, str] = {(key,): key for key in keys if is_numeral(key)}
    lone |= {(word,): digit for word, digit in _DIGIT_WORDS.items() if digit in keys}
    return lone


def _without_fillers(said: Sequence[str], fillers: frozenset[Phrase]) -> list[str]:
    longest = max((len(filler) for filler in fillers), default=0)
    kept, i = [], 0
    while i < len(said):
        size = next((n for n in range(min(longest, len(said) - i), 0, -1) if tuple(said[i : i + n]) in fillers), 0)
        if size:
            i += size
        else:
            kept.append(said[i])
            i += 1
    return kept


def _occurrences(said: Sequence[str], table: Mapping[Phrase, str]) -> Iterator[tuple[int, int, str]]:
    longest = max((len(phrase) for phrase in table), default=0)
    for start in range(len(said)):
        for size in range(1, min(longest, len(said) - start) + 1):
            key = table.get(tuple(said[start : start + size]))
            if key is not None:
                yield start, start + size, key


def _choose(said: Sequence[str], table: Mapping[Phrase, str], negations: frozenset[str]) -> str | None:
    """The one choice the phrases found in `said` name (longest phrase first), else None."""
    covered = [False] * len(said)
    taken: list[tuple[int, int, str]] = []
    for start, end, key in sorted(_occurrences(said, table), key=lambda o: (o[0] - o[1], o[0])):
        if not any(covered[start:end]):
            covered[start:end] = [True] * (end - start)
            taken.append((start, end, key))
        elif any(s < end and start < e and e - s == end - start and k != key for s, e, k in taken):
            return None  # two phrases as long as each other overlap and disagree: "tagihan listrik padam"
    chosen = {key for _, _, key in taken}
    if len(chosen) != 1 or any(word in negations for word, used in zip(said, covered, strict=True) if not used):
        return None
    return chosen.pop()
