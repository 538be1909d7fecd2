"""Byte-level BPE in plain Python (Debian has no `tokenizers` module): train merges on a corpus,
encode text the way Hugging Face's tokenizers does for a GPT-2 style `tokenizer.json`, and write
that file (model BPE, ByteLevel pre-tokenizer and decoder, one special end-of-text token).

The pre-tokenizer splits text with GPT-2's pattern; Python's `re` has no \\p{L} or \\p{N}, so
letters are `[^\\W\\d_]` and numbers `\\d` (the same on the corpus and on most text; they differ
only on rare characters such as letter-like marks).
"""
import json
import re
from collections import Counter

END_OF_TEXT = "<|endoftext|>"
PATTERN = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    """GPT-2's table: each byte is a printable character, so a token is a plain string."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = keep[:], 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(keep, chars)}


BYTE_CHAR = bytes_to_unicode()


def pre_tokenize(text):
    """Pieces of text as byte-level strings (each byte one character)."""
    return ["".join(BYTE_CHAR[b] for b in piece.encode("utf-8")) for piece in PATTERN.findall(text)]


def train(documents, merges_wanted):
    """Learn `merges_wanted` merges over the documents: the most frequent adjacent pair first
    (ties: the largest pair in string order, so the result is the same every run). Returns the merges in order."""
    words = Counter()
    for doc in documents:
        words.update(pre_tokenize(doc))
    splits = {w: list(w) for w in words}
    merges = []
    for _ in range(merges_wanted):
        pairs = Counter()
        for w, n in words.items():
            s = splits[w]
            for i in range(len(s) - 1):
                pairs[(s[i], s[i + 1])] += n
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        for w in words:
            splits[w] = merge_pair(splits[w], best)
    return merges


def merge_pair(symbols, pair):
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


class Tokenizer:
    """Encode and decode with trained merges, as tokenizers' BPE model does: in each piece, merge
    the pair of lowest rank until none is left."""

    def __init__(self, merges):
        self.merges = merges
        self.rank = {pair: i for i, pair in enumerate(merges)}
        self.vocab = {BYTE_CHAR[b]: i for i, b in enumerate(sorted(BYTE_CHAR, key=lambda b: ord(BYTE_CHAR[b])))}
        for a, b in merges:
            self.vocab.setdefault(a + b, len(self.vocab))
        self.end_of_text = len(self.vocab)
        self.text_of = {i: t for t, i in self.vocab.items()}
        self.byte_of = {c: b for b, c in BYTE_CHAR.items()}

    def encode(self, text):
        ids = []
        for i, part in enumerate(text.split(END_OF_TEXT)):
            if i > 0:
                ids.append(self.end_of_text)
            for piece in pre_tokenize(part):
                ids.extend(self.vocab[s] for s in self.bpe(piece))
        return ids

    def bpe(self, piece):
        symbols = list(piece)
        while len(symbols) > 1:
            ranked = [(self.rank.get((symbols[i], symbols[i + 1]), 1 << 30), i) for i in range(len(symbols) - 1)]
            r, _ = min(ranked)
            if r == 1 << 30:
                break
            symbols = merge_pair(symbols, self.merges[r])
        return symbols

    def decode(self, ids):
        data = bytearray()
        for i in ids:
            if i != self.end_of_text:
                data.extend(self.byte_of[c] for c in self.text_of[i])
        return data.decode("utf-8", errors="replace")

    def to_json(self):
        """tokenizer.json in Hugging Face's format."""
        vocab = dict(self.vocab)
        vocab[END_OF_TEXT] = self.end_of_text
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": self.end_of_text, "content": END_OF_TEXT, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": vocab, "merges": [[a, b] for a, b in self.merges]},
        }

    def write(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
