// Test IDL for the codec suites: every base type, nested containers, unions, defaults,
// requiredness, recursion, unusual field ids and orders.
enum Color { RED = 1, GREEN = 2, BLUE = 3 }

struct Inner {
  1: required i32 id,
  2: string label = "dflt",
}

union Choice {
  1: string s,
  2: i64 n,
  3: Inner inner,
}

exception Oops {
  1: i32 code,
  2: string message,
}

struct All {
  1: bool b,
  2: i8 i8v,
  3: i16 i16v,
  4: i32 i32v,
  5: i64 i64v,
  6: double d,
  7: string s,
  8: binary bin,
  9: list<i32> li,
  10: set<string> ss,
  11: map<string, i64> m,
  12: Inner inner,
  13: Color color,
  14: list<list<map<i32, set<string>>>> deep,
  15: optional Choice choice,
  16: uuid id,
  17: map<Inner, list<bool>> structKeys,
  18: list<bool> bools,
  19: list<double> doubles,
  20: map<i64, binary> blobs,
  300: string far,
  i32 implicitId,
}

struct Defaults {
  1: i32 n = 7,
  2: list<string> l = ["a", "b"],
  3: map<string, i32> m = { "k": 1 },
  4: optional i64 big = 5,
  5: Inner inner = { "id": 1 },
  6: set<Color> colors = [Color.RED],
  7: binary raw = "xy",
  8: double ratio = 0.25,
}

struct Node {
  1: i32 v,
  2: list<Node> kids,
  3: optional Node next,
}

struct Req {
  1: required string name,
  2: optional i32 age,
}

struct Unordered {
  3: i32 c,
  1: i32 a,
  2: i32 b,
}

struct Sub {
  7: string s,
}

struct WrongType {
  7: i32 s,
}
