export { jwtAuth, jwtClaims, JWT_CLAIMS, type JwtAuthOptions, type MethodRule } from "./jwt.js";
