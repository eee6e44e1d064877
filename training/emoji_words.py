"""Emoji as words (issue #24): the Python side of the CLI's src/tokenizer/emojiWords.ts.

    from emoji_words import emoji_to_words, enabled
    emoji_to_words("so tired 😭😭")   # -> "so tired loudly crying face loudly crying face"

The names come from the committed table src/tokenizer/emojiWords.json (made by
training/fixtures/make_emoji_words.py from the `emoji` package), the same file the CLI reads, so
training, training/evaluate_onnx.py and the CLI see the same text. The rules (greedy longest match;
variation selectors and ZWJs right after a match dropped; one space between a name and a neighbour
that is not White_Space or the text's edge; everything else unchanged) are written out in
make_emoji_words.py; fixtures/parity/emoji-words.json checks both implementations against outputs
computed with emoji.replace_emoji (test/emoji-words.test.ts for TypeScript, `python
training/emoji_words.py --check` for this file). No third-party package is needed here.

A model directory asks for the step with `"emoji_to_words": true` in tokenizer_config.json
(`enabled(model_dir)`); without it the text goes to the tokenizer as it is.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "src" / "tokenizer" / "emojiWords.json"
GOLDEN = REPO / "fixtures" / "parity" / "emoji-words.json"
CONFIG_KEY = "emoji_to_words"

# Unicode White_Space (PropList.txt); hard-coded because str.isspace() differs (it includes U+001C-U+001F).
WHITE_SPACE = frozenset("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                        "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
ABSORBED = frozenset("\ufe0e\ufe0f\u200d")  # dropped right after a named sequence


@lru_cache(maxsize=1)
def _trie() -> dict:
    """Code point -> child node; a node's "" key holds the name of the sequence ending there."""
    names = json.loads(TABLE.read_text(encoding="utf-8"))["names"]
    root: dict = {}
    for seq, name in names.items():
        node = root
        for ch in seq:
            node = node.setdefault(ch, {})
        node[""] = name
    return root


def emoji_to_words(text: str) -> str:
    root = _trie()
    out: list[str] = []
    i, n = 0, len(text)
    after_name = False  # the last thing written was a name
    while i < n:
        node, j, end, name = root, i, -1, None
        while j < n:
            node = node.get(text[j])
            if node is None:
                break
            j += 1
            if "" in node:
                end, name = j, node[""]
        if name is None:
            ch = text[i]
            if after_name and ch not in WHITE_SPACE:
                out.append(" ")
            out.append(ch)
            after_name = False
            i += 1
            continue
        if out and out[-1][-1] not in WHITE_SPACE:
            out.append(" ")
        out.append(name)
        after_name = True
        i = end
        while i < n and text[i] in ABSORBED:
            i += 1
    return "".join(out)


def enabled(model_dir: Path | str) -> bool:
    """True when the model directory's tokenizer_config.json says "emoji_to_words": true (a boolean,
    as the CLI requires: any other value is an error there and here)."""
    tc = Path(model_dir) / "tokenizer_config.json"
    if not tc.exists():
        return False
    value = json.loads(tc.read_text(encoding="utf-8")).get(CONFIG_KEY, False)
    if not isinstance(value, bool):
        raise SystemExit(f"{tc}: {CONFIG_KEY} must be true or false, got {json.dumps(value)}")
    return value


def check() -> int:
    cases = json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"]
    bad = [(c["text"], c["expected"], emoji_to_words(c["text"])) for c in cases if emoji_to_words(c["text"]) != c["expected"]]
    for text, want, got in bad:
        print(f"{text!r}: expected {want!r}, got {got!r}")
    print(f"{len(cases) - len(bad)} of {len(cases)} cases of {GOLDEN.relative_to(REPO)} as expected")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        raise SystemExit(check())
    for line in sys.stdin:
        sys.stdout.write(emoji_to_words(line))
