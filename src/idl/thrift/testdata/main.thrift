/* The main test IDL: every construct, with includes through a folder and an include dir. */
namespace go weir.test.chat
namespace py chat
cpp_include "<string>"
include "base.thrift"
include "limits.thrift"
include "common/types.thrift"

typedef list<base.Role> Roles
typedef map<string, string> Params (go.type = "Params")

const Roles ALL_ROLES = [base.Role.SYSTEM, base.Role.USER, base.Role.ASSISTANT]
const Params DEFAULT_PARAMS = { "temperature": "0.7", "top_p": "1" }
const double PI = 3.14159
const i64 BIG = 9223372036854775807
const i32 HEX = 0x7f
const bool YES = true
const types.Point ORIGIN = { "x": 0, "y": 0 }

struct Message {
  1: required base.Role role,
  2: string content (api.body = "content"),
  3: optional list<string> images,
}

union Content {
  1: string text,
  2: binary data,
  3: Message message,
}

struct Request {
  1: required string model,
  2: list<Message> messages = [],
  3: Params params = DEFAULT_PARAMS,
  4: i32 max_tokens = limits.MAX_TOKENS,
  5: optional double temperature = 0.5,
  6: set<i16> flags,
  7: map<i32, list<map<string, types.Point>>> deep,
  8: base.Role role = base.Role.USER,
  9: Request next,
  10: types.Id id = 42,
  11: bool stream = YES,
  12: string greeting = base.GREETING,
  string implicit_id,
}

struct Response { 1: string text, 2: i64 tokens }

service Chat extends base.Base {
  Response complete(1: Request req) throws (1: base.BaseError err),
  Response stream(1: Request req) (streaming.mode = "server"),
  Response upload(1: Request req) (streaming.mode = "client"),
  Response talk(1: Request req) (streaming.mode = "bidirectional"),
  Response once(1: Request req) (streaming.mode = "unary"),
  oneway void notify(1: string event),
  void ping(),
} (service.tag = "chat")
