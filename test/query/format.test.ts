/** CSV and table cells: quoting, formula injection, control characters, impersonation. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { csvField, csvRow, tableRow } from '../../src/query/index.js';
import { indexRowOf } from '../../src/store/index.js';

test('csv fields: RFC 4180 quoting, and cells a spreadsheet would run are defused', () => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['-cmd', "'-cmd"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['', ''],
  ];
  for (const [input, want] of cases) assert.equal(csvField(input), want, JSON.stringify(input));
});

const row = indexRowOf(7, {
  kind: 'Event',
  auditID: 'a1',
  verb: 'create',
  user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
  impersonatedUser: { username: 'system:admin' },
  sourceIPs: ['10.1.2.3', '::1'],
  userAgent: 'evil\u001b[2J,agent',
  objectRef: { resource: 'deployments', apiGroup: 'apps', namespace: 'prod', name: 'web', subresource: 'scale' },
  responseStatus: { code: 201 },
  requestReceivedTimestamp: '2026-12-03T10:00:00.000000Z',
});

test('table rows: impersonation, the group-qualified resource, the first source IP, no raw escapes', () => {
  const cells = tableRow(row).split('\t');
  assert.deepEqual(cells, ['2026-12-03T10:00:00.000000Z', 'alice → system:admin', 'create', 'deployments.apps/scale', 'prod/web', '201', '10.1.2.3']);
  const withAgent = tableRow({ ...row, user: 'a\u001b[31mb' });
  assert.ok(!withAgent.includes('\u001b'), 'an escape sequence in a user name is shown, not sent to the terminal');
});

test('csv rows: every column, lists space-separated, one record even with hostile text', () => {
  const line = csvRow(row);
  assert.ok(line.endsWith('\r\n'));
  assert.ok(line.includes(',devs system:authenticated,'));
  assert.ok(line.includes('"evil\u001b[2J,agent"'), 'the comma in the user agent is quoted');
  assert.ok(line.includes(',10.1.2.3 ::1,'));
});
