export { jwtAuth, jwtClaims, JWT_AUTH_DEFAULTS, JWT_CLAIMS, type JwtAuthOptions, type JwtKey, type MethodRule } from "./jwt.js";
