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
      request.onblocked = function () { reject(new Error("outbox blocked")); };
    });
  }
  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && result.result); };
        t.onerror = function () { db.close(); reject(t.error); };
        t.onabort = function () { db.close(); reject(t.error); };
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

  // Logging out: the account's drafts leave this browser, after the worker agrees. Logging
  // out always goes ahead when the outbox cannot be read (none here, a private window, an
  // error); offline, the drafts stay, as the logout itself cannot reach the server.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "logout-form" || form.dataset.cleared || !window.indexedDB) { return; }
    event.preventDefault();
    var done = false;
    function logOut() {
      if (done) { return; }
      done = true;
      form.dataset.cleared = "1";
      form.submit();
    }
    if (!navigator.onLine) { logOut(); return; }
    outbox.of(form.dataset.user).then(function (drafts) {
      if (!drafts.length) { logOut(); return; }
      if (!window.confirm(form.dataset.msgUnsent.replace("{n}", drafts.length))) { return; }
      Promise.all(drafts.map(function (d) { return outbox.remove(d.client_id); }))
        .then(logOut, logOut);
    }, logOut);
  });
})();
