/** Several files picked together (the extension's Import command): one collection and its Postman environments. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isOidcError } from '../../../src/core/errors';
import { importFiles } from '../../../src/core/importers';

const OKTA = join(__dirname, '..', '..', 'fixtures', 'real', 'okta');
const file = (name: string) => ({ fileName: name, text: readFileSync(join(OKTA, name), 'utf8') });

describe('importFiles', () => {
  it("takes Okta's environment export next to its collection, in any order, as import --environment does", () => {
    const result = importFiles([file('example.oktapreview.com.environment'), file('open-id-connect.json')]);
    assert.equal(result.collectionFileName, 'open-id-connect.json');
    assert.match(result.yaml, /https:\/\/\{yourOktaDomain\}/, "the environment's url value");
    assert.ok(Object.keys(result.file.idps ?? {}).length >= 1);
  });

  it('says what to pick when there is no collection, or more than one', () => {
    assert.throws(
      () => importFiles([file('example.oktapreview.com.environment')]),
      (e: unknown) => isOidcError(e) && e.code === 'import.unrecognised' && /is a Postman environment/.test(e.message),
    );
    assert.throws(
      () => importFiles([file('open-id-connect.json'), file('api-access-mgmt.json')]),
      (e: unknown) => isOidcError(e) && /Pick one collection at a time/.test(e.message),
    );
  });
});
