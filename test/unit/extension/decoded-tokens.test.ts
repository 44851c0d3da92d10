// Decode Token opens read-only documents: their text comes from this provider, never from an
// untitled buffer that asks to be saved, and only a bounded number of them is kept.
import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import {
  DECODED_TOKEN_LIMIT,
  DECODED_TOKEN_SCHEME,
  DecodedTokenDocuments,
} from '../../../src/extension/editor/decoded-tokens';
import { FakeUri } from '../../support/fake-vscode';

const make = () => new DecodedTokenDocuments({ Uri: FakeUri } as unknown as typeof vscode);

describe('decoded token documents', () => {
  it('gives each decoded token its own read-only .json URI and serves its text', () => {
    const docs = make();
    const a = docs.add('{"a":1}');
    const b = docs.add('{"b":2}');
    assert.equal(a.scheme, DECODED_TOKEN_SCHEME);
    assert.match(a.path, /\.json$/, 'the .json name gives the document JSON colouring');
    assert.notEqual(a.path, b.path);
    assert.equal(docs.provideTextDocumentContent(a), '{"a":1}');
    assert.equal(docs.provideTextDocumentContent(b), '{"b":2}');
  });

  it('forgets a closed document, and says so if it is shown again', () => {
    const docs = make();
    const a = docs.add('{"a":1}');
    docs.forget(new FakeUri('file', a.path) as unknown as vscode.Uri);
    assert.equal(docs.provideTextDocumentContent(a), '{"a":1}', 'another scheme is not ours to forget');
    docs.forget(a);
    assert.match(docs.provideTextDocumentContent(a), /no longer kept.*Decode Token again/);
  });

  it(`keeps the last ${DECODED_TOKEN_LIMIT} only`, () => {
    const docs = make();
    const uris = Array.from({ length: DECODED_TOKEN_LIMIT + 5 }, (_, i) => docs.add(`{"n":${i}}`));
    assert.match(docs.provideTextDocumentContent(uris[0]!), /no longer kept/);
    assert.equal(docs.provideTextDocumentContent(uris.at(-1)!), `{"n":${DECODED_TOKEN_LIMIT + 4}}`);
    assert.equal(docs.provideTextDocumentContent(uris[5]!), '{"n":5}');
  });
});
