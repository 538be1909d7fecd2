export { encodeTTHeader, decodeTTHeader, isTTHeader, type TTHeaderMeta, type TTHeaderFrame } from "./header.js";
export { IntKey, StrKey, TTHeaderFlag, TTHeaderInfo, TTHeaderProtocol, TTHEADER_MAGIC, TTHEADER_MAX_LENGTH } from "./keys.js";
export { bizError, bizStatusOf, bizErrorKeys, bizErrorFromKeys } from "./biz-error.js";
