/**
 * Kitex TTHeader constants: magic, flags, protocol ids, info block ids and the int and string
 * meta keys (numbering as in the Kitex protocol description; see docs/thrift.md).
 */

/** The u16 at offset 4 of every TTHeader frame. */
export const TTHEADER_MAGIC = 0x1000;
/** Largest LENGTH a TTHeader frame may declare. */
export const TTHEADER_MAX_LENGTH = 0x3fffffff;

/** FLAGS bits. */
export const TTHeaderFlag = Object.freeze({
  SupportOutOfOrder: 0x0001,
  /** TTHeader Streaming frames (not ping-pong). */
  Streaming: 0x0002,
  DuplexReverse: 0x0008,
  Sasl: 0x0010,
});

/** PROTOCOL ID byte of the header info area. */
export const TTHeaderProtocol = Object.freeze({
  ThriftBinary: 0x00,
  /** Rejected by Kitex: compact is not allowed inside TTHeader. */
  ThriftCompact: 0x02,
  ThriftCompactV2: 0x03,
  KitexProtobuf: 0x04,
  StreamingThrift: 0x10,
  StreamingProtobuf: 0x11,
});

/** Info block ids. */
export const TTHeaderInfo = Object.freeze({
  Padding: 0x00,
  KeyValue: 0x01,
  IntKeyValue: 0x10,
  AclToken: 0x11,
});

/** Int meta keys (INFO_INTKEYVALUE); every value is a string on the wire. */
export const IntKey = Object.freeze({
  MeshVersion: 0,
  TransportType: 1,
  LogId: 2,
  FromService: 3,
  FromCluster: 4,
  FromIdc: 5,
  ToService: 6,
  ToCluster: 7,
  ToIdc: 8,
  ToMethod: 9,
  Env: 10,
  DestAddress: 11,
  /** RPC timeout in ms, decimal. */
  RpcTimeout: 12,
  ReadTimeout: 13,
  RingHashKey: 14,
  DdpTag: 15,
  WithMeshHeader: 16,
  ConnectTimeout: 17,
  SpanContext: 18,
  ShortConnection: 19,
  FromMethod: 20,
  StressTag: 21,
  /** Thrift message type as decimal: 1 call, 2 reply, 3 exception, 4 oneway. */
  MsgType: 22,
  HttpContentType: 23,
  RawRingHashKey: 24,
  LbType: 25,
  ClusterShardId: 26,
  FrameType: 27,
});

/** String meta keys (INFO_KEYVALUE) Weir reads or writes. */
export const StrKey = Object.freeze({
  /** IDL service name, for routing among several services on one server. */
  IdlServiceName: "isn",
  BizStatus: "biz-status",
  BizMessage: "biz-message",
  BizExtra: "biz-extra",
  /** "1": the server wants this connection closed after the reply. */
  ConnReset: "crrst",
  /** In-memory key of the ACL token, which travels as info block 0x11. */
  AclToken: "RPC_TRANSIT_gdpr-token",
});

/** The metadata key a TTHeader LogID (int key 2) appears under, on the server and when sent by a client. */
export const LOG_ID_METADATA = "log-id";
