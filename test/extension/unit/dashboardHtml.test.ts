import { strict as assert } from 'node:assert';
import { contentSecurityPolicy, dashboardHtml, makeNonce } from '../../../extension/dashboard/dashboardHtml';
import { isFromDashboardMessage } from '../../../extension/dashboard/dashboardProtocol';

describe('dashboardHtml', () => {
  it('allows only nonce-tagged scripts and styles', () => {
    const csp = contentSecurityPolicy('vscode-resource:', 'abc');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc'/);
    assert.match(csp, /style-src 'nonce-abc'/);
    assert.doesNotMatch(csp, /unsafe/);
  });

  it('tags every script and style of the page with the nonce', () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9]{16,}$/);
    assert.notEqual(nonce, makeNonce());
    const html = dashboardHtml('https://cspsource', nonce);
    const tags = [...html.matchAll(/<(script|style)\b([^>]*)>/g)];
    assert.equal(tags.length, 2);
    for (const [, , attrs] of tags) assert.match(attrs, new RegExp(`nonce="${nonce}"`));
    assert.match(html, new RegExp(`script-src 'nonce-${nonce}'`));
    // The page asks for the state when it loads; the host pushes nothing before.
    assert.match(html, /postMessage\(\{ type: 'ready' \}\)/);
    assert.doesNotMatch(html, /innerHTML/, 'engine text is inserted as text, never as markup');
  });

  it('accepts only the messages of the protocol from the page', () => {
    assert.equal(isFromDashboardMessage({ type: 'ready' }), true);
    assert.equal(isFromDashboardMessage({ type: 'stop' }), false);
    assert.equal(isFromDashboardMessage(null), false);
  });
});
