// The phone's outbox: visits saved on this browser (IndexedDB) and not yet sent, each with
// the account that saved it. visit.js fills and sends it; here, on every page, logging out
// clears the account's drafts from this browser (a shared phone must not keep one worker's
// notes about a family for the next), after saying how many would be lost.
(function () {
  "use strict";

  var DB = "wushe-visits", STORE = "outbox";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "client_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && result.result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  var outbox = {
    put: function (draft) { return tx("readwrite", function (s) { s.put(draft); }); },
    remove: function (id) { return tx("readwrite", function (s) { s.delete(id); }); },
    all: function () { return tx("readonly", function (s) { return s.getAll(); }); },
    of: function (user) {
      return outbox.all().then(function (drafts) {
        return drafts.filter(function (d) { return d.user === user; });
      });
    },
  };
  window.WusheOutbox = outbox;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "logout-form" || form.dataset.cleared || !window.indexedDB) { return; }
    event.preventDefault();
    outbox.of(form.dataset.user).then(function (drafts) {
      var message = form.dataset.msgUnsent.replace("{n}", drafts.length);
      if (drafts.length && !window.confirm(message)) { return; }
      return Promise.all(drafts.map(function (d) { return outbox.remove(d.client_id); }))
        .then(function () { form.dataset.cleared = "1"; form.submit(); });
    }, function () { form.dataset.cleared = "1"; form.submit(); });  // no outbox here
  });
})();
