// Text from the server on its way to a terminal: an LLM's answer, the arguments it gave a tool, a
// document's heading or passage, an upstream's error message. None of it is ours, and a control
// character in it would reach the terminal as one: ESC opens escape sequences that rewrite the
// clipboard (OSC 52), retitle the window, move the cursor over earlier lines or hide text, and CR
// overwrites the line. Each is shown as a visible symbol instead.

/**
 * `text` with every control character except line feed and tab replaced by its Unicode control
 * picture (ESC as ␛, CR as ␍, DEL as ␡) or, for the C1 range, by U+FFFD.
 *
 * @example
 * visible('ok\x1b]52;c;aGk=\x07') // 'ok␛]52;c;aGk=␇'
 */
export function visible(text: string): string {
  return text.replace(/(?![\n\t])\p{Cc}/gu, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? '\u2421' : '\uFFFD';
  });
}

/** `text` as it should go to `stream`: made visible when that is a terminal, as it is otherwise. */
export function forTerminal(stream: { isTTY?: boolean }, text: string): string {
  return stream.isTTY === true ? visible(text) : text;
}
