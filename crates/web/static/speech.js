// Speech reading (语音阅读, MIIT 适老化): a "朗读本页" button that reads the page's main content
// aloud with the browser's own speech synthesis. Where the browser cannot speak, or without
// JavaScript, no button appears, so nothing is offered that does not work.
(function () {
  'use strict';
  if (!('speechSynthesis' in window) || typeof window.SpeechSynthesisUtterance !== 'function') return;
  var group = document.querySelector('.prefs');
  var main = document.getElementById('main');
  if (!group || !main) return;

  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'speak';
  button.setAttribute('aria-pressed', 'false');
  button.textContent = '朗读本页';
  group.appendChild(button);

  function stop() {
    window.speechSynthesis.cancel();
    button.setAttribute('aria-pressed', 'false');
    button.textContent = '朗读本页';
  }

  // Long texts are read in sentence-sized pieces: some engines stop after a few hundred characters.
  function pieces(text) {
    var parts = text.replace(/\s+/g, ' ').split(/(?<=[。！？；!?;])/);
    var out = [];
    var current = '';
    for (var i = 0; i < parts.length; i++) {
      if ((current + parts[i]).length > 180 && current) {
        out.push(current);
        current = '';
      }
      current += parts[i];
    }
    if (current.trim()) out.push(current);
    return out;
  }

  button.addEventListener('click', function () {
    if (button.getAttribute('aria-pressed') === 'true') {
      stop();
      return;
    }
    var chunks = pieces(main.innerText || main.textContent || '');
    if (!chunks.length) return;
    button.setAttribute('aria-pressed', 'true');
    button.textContent = '停止朗读';
    chunks.forEach(function (chunk, i) {
      var u = new window.SpeechSynthesisUtterance(chunk);
      u.lang = 'zh-CN';
      u.rate = 0.9;
      if (i === chunks.length - 1) u.onend = stop;
      u.onerror = stop;
      window.speechSynthesis.speak(u);
    });
  });
  window.addEventListener('pagehide', stop);
})();
