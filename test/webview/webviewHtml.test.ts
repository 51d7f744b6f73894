// The page every webview gets: a strict CSP and one nonce-tagged script from dist/.
import { strict as assert } from 'node:assert';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../extension/views/webviewHtml';
import { isFromViewMessage } from '../../webview/protocol/viewProtocol';

describe('webviewHtml', () => {
  it('allows scripts only by nonce, styles from the extension or by nonce, nothing inline or eval', () => {
    const csp = contentSecurityPolicy('https://cspsource', 'abc');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc'(;|$)/);
    assert.match(csp, /style-src https:\/\/cspsource 'nonce-abc'/);
    assert.doesNotMatch(csp, /unsafe/);
  });

  it('loads the one bundle by nonce and inlines nothing', () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9]{16,}$/);
    assert.notEqual(nonce, makeNonce());
    const html = webviewHtml({
      cspSource: 'https://cspsource',
      nonce,
      scriptUri: 'https://cspsource/dist/sidebar.js?"<x>',
      title: 'Layer <Sparsity>',
    });
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0][1], new RegExp(`nonce="${nonce}"`));
    assert.equal(scripts[0][2], '', 'no inline code');
    assert.match(scripts[0][1], /src="https:\/\/cspsource\/dist\/sidebar\.js\?&quot;&lt;x&gt;"/);
    assert.doesNotMatch(html, /<style/);
    assert.match(html, /<title>Layer &lt;Sparsity&gt;<\/title>/);
  });

  it('accepts only the messages of the protocol from a page', () => {
    assert.equal(isFromViewMessage({ type: 'ready' }), true);
    assert.equal(isFromViewMessage({ type: 'command', command: 'pause' }), true);
    assert.equal(isFromViewMessage({ type: 'command', command: 'rm -rf' }), false);
    assert.equal(isFromViewMessage({ type: 'selectLayer', layer: '' }), false);
    assert.equal(isFromViewMessage({ type: 'ready', extra: 1 }), false);
    assert.equal(isFromViewMessage(null), false);
  });
});
