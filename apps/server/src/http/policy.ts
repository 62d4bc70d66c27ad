/**
 * The HTTP side of the access rules. Each route declares its rule in its own options
 * (`config: traits(read('models:read'), …)`, route-traits.ts); the decisions themselves live in the
 * domain (auth/authorize.ts) so HTTP, the LLM gateway and MCP share them. The start fails when a
 * route declares none (auth-hook.ts registerPolicyCheck). `HEAD` follows `GET`.
 */
export {
  type Caller,
  type Decision,
  decide,
  METRICS,
  PUBLIC,
  type Rule,
  read,
  type Setting,
  SIGNED_IN,
  write,
} from '../auth/authorize.js';
