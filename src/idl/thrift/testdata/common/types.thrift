namespace go weir.test.types
typedef binary Blob
typedef i64 Id
struct Point { 1: required double x, 2: required double y }
