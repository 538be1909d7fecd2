// A shared base: constants, an enum and a base service, included by main.thrift.
namespace go weir.test.base
namespace * base_ns

include "common/types.thrift"

const i32 DEFAULT_LIMIT = 16
const string GREETING = "hello"

enum Role {
  SYSTEM = 1,
  USER,
  ASSISTANT = 10 (display = "bot"),
} (kind = "role")

exception BaseError {
  1: i32 code,
  2: string message,
}

service Base {
  string version() (idempotent = "true"),
  types.Blob blob(1: types.Id id) throws (1: BaseError err),
}
