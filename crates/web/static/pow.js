// Solves the public form's proof-of-work challenge (ALTCHA v2, deterministic mode, iterated
// SHA-256) in the background, so people with JavaScript never need to answer the question.
// Without JavaScript, or if Web Crypto is missing, the question in words stays and works.
// See crates/web/src/antiabuse.rs.
(function () {
  'use strict';
  var box = document.querySelector('[data-pow]');
  if (!box || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var challenge;
  try {
    challenge = JSON.parse(box.getAttribute('data-pow'));
  } catch (e) {
    return;
  }
  var p = challenge.parameters;
  var field = box.querySelector('[data-pow-field]');
  var status = box.querySelector('[data-pow-status]');
  var question = box.querySelector('[data-pow-question]');

  function fromHex(h) {
    var out = new Uint8Array(h.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
    return out;
  }
  function toHex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return s;
  }
  var salt = fromHex(p.salt);
  var nonce = fromHex(p.nonce);
  var prefix = String(p.keyPrefix).toLowerCase();
  var rounds = Math.max(1, p.cost | 0);

  // derive_key: SHA-256 over salt || nonce || counter (4 bytes, big-endian), `cost` times.
  async function derive(counter) {
    var buf = new Uint8Array(salt.length + nonce.length + 4);
    buf.set(salt, 0);
    buf.set(nonce, salt.length);
    new DataView(buf.buffer).setUint32(salt.length + nonce.length, counter, false);
    var data = buf;
    for (var i = 0; i < rounds; i++) data = new Uint8Array(await window.crypto.subtle.digest('SHA-256', data));
    return toHex(data.slice(0, p.keyLength));
  }

  async function solve() {
    var batch = 256;
    for (var start = 0; start < 2000000; start += batch) {
      var jobs = [];
      for (var c = start; c < start + batch; c++) jobs.push(derive(c));
      var keys = await Promise.all(jobs);
      for (var k = 0; k < keys.length; k++) {
        if (keys[k].indexOf(prefix) === 0) return { counter: start + k, derivedKey: keys[k] };
      }
    }
    return null;
  }

  status.textContent = '正在自动完成人机验证……';
  solve().then(function (solution) {
    if (!solution) {
      status.textContent = '自动验证未完成，请回答下面的验证问题。';
      return;
    }
    field.value = window.btoa(JSON.stringify({ challenge: challenge, solution: solution }));
    // The question stays where it is (never move or hide what a keyboard user may be on); it
    // just becomes unnecessary.
    question.classList.add('pow-done');
    status.textContent = '已自动完成人机验证，无需回答下面的验证问题，可直接提交。';
  }, function () {
    status.textContent = '自动验证未完成，请回答下面的验证问题。';
  });
})();
