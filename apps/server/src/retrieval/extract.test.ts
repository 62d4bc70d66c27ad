/** PDF reading in its own thread, within its limits (each refusal an INVALID_DOCUMENT with the reason). */
import { describe, expect, it } from 'vitest';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { pdfBomb, tinyPdf } from '../test-support/tiny-pdf.js';
import { DEFAULT_EXTRACT_LIMITS, extractText } from './extract.js';
import { checkInflatedSize } from './pdf-text.js';

const refusal = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelGardenError);
  expect((err as ModelGardenError).code).toBe('INVALID_DOCUMENT');
  return (err as ModelGardenError).message;
};

describe('PDF extraction', () => {
  it('reads every page in a thread of its own', async () => {
    const out = await extractText('two.pdf', tinyPdf(['first page words', 'second page words']));
    expect(out).toMatchObject({
      mediaType: 'application/pdf',
      text: 'first page words\n\nsecond page words',
    });
  });

  it('refuses a compression bomb before pdf.js inflates it', async () => {
    const bomb = await pdfBomb(300);
    expect(bomb.length).toBeLessThan(1_000_000);
    expect(await refusal(extractText('bomb.pdf', bomb))).toBe(
      '"bomb.pdf" inflates to more than 256 MB (a compression bomb?)',
    );
    // within a larger budget the same file is measured, not refused
    expect(checkInflatedSize(bomb, 400 * 1_048_576)).toBeGreaterThan(300 * 1_048_576);
  }, 60_000);

  it('refuses more pages than the limit, and stops a read that takes too long', async () => {
    const pdf = tinyPdf(['a', 'b', 'c']);
    expect(await refusal(extractText('long.pdf', pdf, { ...DEFAULT_EXTRACT_LIMITS, maxPdfPages: 2 }))).toBe(
      '"long.pdf" has more than 2 pages',
    );
    expect(await refusal(extractText('slow.pdf', pdf, { ...DEFAULT_EXTRACT_LIMITS, pdfTimeoutMs: 1 }))).toBe(
      '"slow.pdf" took longer than 0.001 s to read',
    );
  });

  it('refuses a PDF with no text, and bytes that are not a PDF', async () => {
    expect(await refusal(extractText('blank.pdf', tinyPdf(['', ''])))).toBe(
      '"blank.pdf" holds no text (a scanned PDF needs OCR first)',
    );
    expect(await refusal(extractText('fake.pdf', Buffer.from('just text')))).toBe(
      '"fake.pdf" is not a PDF file',
    );
    expect(await refusal(extractText('broken.pdf', Buffer.from('%PDF-1.4\n1 0 obj << >> junk')))).toMatch(
      /^"broken.pdf" is not a readable PDF \(/,
    );
  });
});
