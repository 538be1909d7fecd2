// A rich IDL for the property test against Apache's generated JavaScript: every base type
// the Apache 0.17 compiler knows, nested containers, structs, unions, enums, optional and
// required fields, defaults and a field id that needs the long compact header.
namespace js weir_prop

enum Mood { SAD = 0, OK = 1, HAPPY = 5 }

struct Leaf {
  1: required i32 id,
  2: optional string name,
  3: binary data,
}

union Pick {
  1: string text,
  2: i64 number,
  3: Leaf leaf,
  4: list<bool> flags,
}

struct Rich {
  1: bool b,
  2: byte y,
  3: i16 s,
  4: i32 i,
  5: i64 l,
  6: double d,
  7: string str,
  8: binary bin,
  9: list<i64> longs,
  10: set<string> tags,
  11: map<string, Leaf> leaves,
  12: map<i32, list<map<string, bool>>> nested,
  13: list<list<i16>> grid,
  14: Mood mood,
  15: optional Pick pick,
  16: required string must,
  17: optional Leaf leaf,
  18: list<Pick> picks,
  19: set<Mood> moods,
  20: map<Mood, double> moodScores,
  21: string withDefault = "hi",
  22: list<binary> blobs,
  23: map<i16, set<i32>> sets,
  40: i32 farField,
}
