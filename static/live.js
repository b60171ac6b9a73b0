// A live story's page while its coverage lasts: entries posted, edited and
// deleted arrive through the page's event stream (Server-Sent Events,
// `/stories/{slug}/events`), resuming after the change the page was
// rendered at. An edited or deleted entry changes where it stands; new
// ones wait behind a "3 new updates" button, announced politely, so that
// the page never moves under the reader's eyes; pressing it shows them at
// the top and moves the focus to the newest. When the coverage ends the
// page says so and the stream closes. Without JavaScript, a reload shows
// everything.
(function () {
  'use strict';

  var section = document.querySelector('.live-entries[data-events]');
  if (!section || !('EventSource' in window)) {
    return;
  }
  var news = section.querySelector('.live-news');
  var button = section.querySelector('.live-news-button');
  var keyNav = document.querySelector('.key-events');
  var keyList = keyNav && keyNav.querySelector('ol');
  // New entries not shown yet, oldest first.
  var waiting = [];

  function element(html) {
    var template = document.createElement('template');
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  function entryOnPage(id) {
    return document.getElementById('entry-' + id);
  }

  function keyEventOnPage(id) {
    return keyList && keyList.querySelector('li[data-entry="' + id + '"]');
  }

  function showCount() {
    if (waiting.length === 0) {
      button.hidden = true;
      button.textContent = '';
      return;
    }
    button.textContent = waiting.length === 1 ? '1 new update' : waiting.length + ' new updates';
    button.hidden = false;
  }

  // The entry's line in "Key events": added, changed or taken away.
  function placeKeyEvent(entry) {
    if (!keyList) {
      return;
    }
    var current = keyEventOnPage(entry.id);
    if (!entry.key_event_html) {
      if (current) {
        current.remove();
      }
    } else if (current) {
      current.replaceWith(element(entry.key_event_html));
    } else {
      keyList.prepend(element(entry.key_event_html));
    }
    keyNav.hidden = keyList.children.length === 0;
  }

  function received(entry) {
    var current = entryOnPage(entry.id);
    if (current) {
      // An edit: in place, no jump.
      current.replaceWith(element(entry.html));
      placeKeyEvent(entry);
      return;
    }
    waiting = waiting.filter(function (w) { return w.id !== entry.id; });
    waiting.push(entry);
    showCount();
  }

  function removed(id) {
    var current = entryOnPage(id);
    if (current) {
      current.remove();
    }
    placeKeyEvent({ id: id, key_event_html: null });
    waiting = waiting.filter(function (w) { return w.id !== id; });
    showCount();
  }

  function showWaiting() {
    if (waiting.length === 0) {
      return;
    }
    var newest = null;
    waiting.forEach(function (entry) {
      newest = element(entry.html);
      news.after(newest);
      placeKeyEvent(entry);
    });
    waiting = [];
    showCount();
    newest.focus();
  }

  function ended(status) {
    var current = document.querySelector('.live-status');
    if (current) {
      current.replaceWith(element(status.html));
    }
  }

  function data(event) {
    try {
      return JSON.parse(event.data);
    } catch (e) {
      return null;
    }
  }

  var source = new EventSource(
    section.dataset.events + '?since=' + encodeURIComponent(section.dataset.liveSeq || '0'));
  source.addEventListener('entry', function (event) {
    var entry = data(event);
    if (entry) {
      received(entry);
    }
  });
  source.addEventListener('delete', function (event) {
    var entry = data(event);
    if (entry) {
      removed(entry.id);
    }
  });
  source.addEventListener('end', function (event) {
    source.close();
    var status = data(event);
    if (status) {
      ended(status);
    }
  });
  button.addEventListener('click', showWaiting);
})();
