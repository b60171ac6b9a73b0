// A live story's page while its coverage lasts: entries posted, edited and
// deleted arrive through the page's event stream (Server-Sent Events,
// `/stories/{slug}/events`), resuming after the change the page was
// rendered at. An edited or deleted entry changes where it stands; new
// ones wait behind a "3 new updates" button, announced politely, so that
// the page never moves under the reader's eyes; pressing it shows them at
// the top and moves the focus to the newest. When the coverage ends the
// page says so and the stream closes. Without JavaScript, a reload shows
// everything.
//
// The stream is read as EventSource reads one (the same fields, resuming
// with `Last-Event-ID`, waiting `retry` between tries, no new try after a
// 204 or an error status) but fetched without credentials: browsers keep
// such requests on connections of their own, so the stream arrives on a
// new connection, which the server holds on its lean path (about 2 KB)
// rather than on the kept-alive one that loaded the page (about 20 KB).
// Where fetch cannot stream a body, EventSource itself.
(function () {
  'use strict';

  var section = document.querySelector('.live-entries[data-events]');
  var streams = window.fetch && window.ReadableStream && window.TextDecoder && window.AbortController;
  if (!section || !(streams || 'EventSource' in window)) {
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

  function data(text) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }

  // Reads the event stream at `url`, calling `on[type](data)` for each
  // event of a type it names, until `close()`.
  function listen(url, on) {
    if (!streams) {
      var source = new EventSource(url);
      Object.keys(on).forEach(function (type) {
        source.addEventListener(type, function (event) { on[type](event.data); });
      });
      return { close: function () { source.close(); } };
    }
    var lastId = null;
    var retry = 3000;
    var closed = false;
    var abort = null;

    // One line of the stream; `event` gathers the event it belongs to.
    function line(text, event) {
      if (text === '') {
        if (event.data.length > 0 && on[event.type || 'message'] && !closed) {
          on[event.type || 'message'](event.data.join('\n'));
        }
        event.type = '';
        event.data = [];
        return;
      }
      if (text.charAt(0) === ':') {
        return;
      }
      var colon = text.indexOf(':');
      var field = colon < 0 ? text : text.slice(0, colon);
      var value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') {
        event.type = value;
      } else if (field === 'data') {
        event.data.push(value);
      } else if (field === 'id' && value.indexOf('\u0000') < 0) {
        lastId = value;
      } else if (field === 'retry' && /^\d+$/.test(value)) {
        retry = Number(value);
      }
    }

    function connect() {
      abort = new AbortController();
      var headers = { Accept: 'text/event-stream' };
      if (lastId !== null) {
        headers['Last-Event-ID'] = lastId;
      }
      var again = true;
      fetch(url, { credentials: 'omit', cache: 'no-store', headers: headers, signal: abort.signal })
        .then(function (response) {
          if (response.status !== 200 || !response.body) {
            again = false;
            return null;
          }
          var reader = response.body.getReader();
          var decoder = new TextDecoder();
          var rest = '';
          var event = { type: '', data: [] };
          function read() {
            return reader.read().then(function (chunk) {
              if (chunk.done) {
                return null;
              }
              var lines = (rest + decoder.decode(chunk.value, { stream: true })).split('\n');
              rest = lines.pop();
              lines.forEach(function (text) { line(text.replace(/\r$/, ''), event); });
              return read();
            });
          }
          return read();
        })
        .catch(function () {})
        .then(function () {
          if (again && !closed) {
            setTimeout(connect, retry);
          }
        });
    }

    connect();
    return {
      close: function () {
        closed = true;
        abort.abort();
      }
    };
  }

  var stream = listen(
    section.dataset.events + '?since=' + encodeURIComponent(section.dataset.liveSeq || '0'), {
      entry: function (text) {
        var entry = data(text);
        if (entry) {
          received(entry);
        }
      },
      delete: function (text) {
        var entry = data(text);
        if (entry) {
          removed(entry.id);
        }
      },
      end: function (text) {
        stream.close();
        var status = data(text);
        if (status) {
          ended(status);
        }
      }
    });
  button.addEventListener('click', showWaiting);
})();
