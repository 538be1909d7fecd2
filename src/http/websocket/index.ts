export { WebSocketChannel, WEBSOCKET_CHANNEL_DEFAULTS, type WebSocketChannelOptions, type WebSocketMessage } from "./channel.js";
export { acceptWebSockets, connectWebSocket, ACCEPT_WEBSOCKETS_DEFAULTS, type AcceptWebSocketsOptions, type ConnectWebSocketOptions, type WebSocketAcceptor } from "./accept.js";
export {
  refuseUpgrade, resolveWebSocketHubOptions, WebSocketHub, WEBSOCKET_HUB_DEFAULTS, type ResolvedWebSocketHubOptions, type WebSocketHubOptions,
} from "./hub.js";
