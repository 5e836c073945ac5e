/**
 * AMQP topic matching: keys are dot-separated words, `*` matches exactly one
 * word and `#` zero or more.
 */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  return match(bindingKey.split('.'), 0, routingKey.split('.'), 0);
}

function match(pattern: string[], p: number, words: string[], w: number): boolean {
  if (p === pattern.length) return w === words.length;
  const head = pattern[p];
  if (head === '#') {
    // `#` absorbs any number of words: try each split point.
    for (let skip = w; skip <= words.length; skip++) {
      if (match(pattern, p + 1, words, skip)) return true;
    }
    return false;
  }
  if (w === words.length) return false;
  return (head === '*' || head === words[w]) && match(pattern, p + 1, words, w + 1);
}
