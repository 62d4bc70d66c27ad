/**
 * onnxruntime's error text, made fit for a client: its messages carry the library's source path
 * and line, the C++ signature that threw and the condition that failed
 * (`/onnxruntime_src/…/reshape_helper.h:91 onnxruntime::ReshapeHelper::ReshapeHelper(…) a == b was
 * false.`). Those say nothing to the caller and a lot about the server; the node, the input and the
 * shapes stay. The full text goes to the server's log as the error's cause.
 */

/** `path/file.h:91 `, then an optional `ret ns::fn(args) [const] `, then an optional `cond was false. `. */
const LOCATION =
  /\S+\.(?:h|hpp|cc|cpp|c):\d+ (?:[\w:<>,*& ~]*::[\w~<>]+\((?:[^()]|\([^()]*\))*\)(?: const)? )?(?:[^.\n]*? was false\. ?)?/g;
/** Any path into the library's sources left over. */
const SOURCE_PATH = /\/onnxruntime_src\/\S*/g;

/** The client's part of an onnxruntime error message. */
export function clientReasonOf(message: string): string {
  return message.replace(LOCATION, '').replace(SOURCE_PATH, '').replace(/\s+/g, ' ').trim().slice(0, 500);
}
