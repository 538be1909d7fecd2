export { WebSocketChannel, WEBSOCKET_CHANNEL_DEFAULTS, type WebSocketChannelOptions, type WebSocketMessage } from "./channel.js";
export { acceptWebSockets, connectWebSocket, ACCEPT_WEBSOCKETS_DEFAULTS, type AcceptWebSocketsOptions, type WebSocketAcceptor } from "./accept.js";
