// The visit form on a phone: a saved visit goes to the browser's outbox (IndexedDB) first,
// with the id the form was given (client_id), then to the API. When the network is down it
// stays in the outbox and is sent when the phone is back online, or when any visit form is
// opened again. The server records one visit per client_id, so a send that is repeated
// (a retry, two tabs) never makes a second one. Photos are shrunk (photos.js) before they
// are kept, with the time they were taken and, when the phone gives it, where.
(function () {
  "use strict";

  var form = document.getElementById("visit-form");
  if (!form || !window.WusheOutbox) { return; }
  var photos = [];   // {data, taken_at, latitude, longitude}
  var sending = false;

  // --- the outbox (outbox.js) -------------------------------------------------------
  var outbox = window.WusheOutbox;
  var put = outbox.put, remove = outbox.remove, all = outbox.all;

  // --- the form as a draft ---------------------------------------------------------------
  function checked(name) {
    return Array.prototype.map.call(
      form.querySelectorAll("input[name='" + name + "']:checked"),
      function (box) { return parseInt(box.value, 10); });
  }
  function value(name) {
    var field = form.elements[name];
    return field ? field.value.trim() : "";
  }
  function draftFromForm() {
    var local = value("visited_at");
    var needs = [];
    var domain = form.elements.need_domain;
    if (value("need_description") && domain && domain.value) {
      needs.push({
        domain_code: domain.options[domain.selectedIndex].dataset.code || domain.value,
        urgency: value("need_urgency") || "normal",
        description: value("need_description"),
      });
    }
    var body = {
      client_id: value("client_id"),
      visited_at: local ? new Date(local).toISOString() : "",
      place: value("place"),
      living_conditions: value("living_conditions"),
      risks: value("risks"),
      needs_found: value("needs_found"),
      item_ids: checked("items"),
      worker_ids: checked("workers"),
      volunteers: value("volunteers"),
      follow_up_on: value("follow_up_on") || null,
      photos: photos.slice(),
      needs: needs,
    };
    if (form.dataset.person) { body.person_id = parseInt(form.dataset.person, 10); }
    if (form.dataset.household) { body.household_id = parseInt(form.dataset.household, 10); }
    return { client_id: body.client_id, body: body, label: form.dataset.subject,
             user: form.dataset.user, saved_at: new Date().toISOString(), error: "" };
  }

  // --- sending ---------------------------------------------------------------------------
  function csrf() {
    var field = form.querySelector("input[name='csrfmiddlewaretoken']");
    return field ? field.value : "";
  }
  // Resolves to {ok, status, body} or rejects when the network is down.
  function send(draft) {
    return fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(draft.body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }
  function explain(body) {
    if (body && Array.isArray(body.detail)) {
      return body.detail.map(function (e) { return (e.field ? e.field + "：" : "") + e.message; }).join("；");
    }
    return (body && body.detail) || "";
  }

  // Send every draft in the outbox; keep those the network or a login stopped.
  function syncAll() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    return all().then(function (drafts) {
      // A shared phone: each account sends only its own visits, in its own name.
      drafts = drafts.filter(function (d) { return d.user === form.dataset.user; });
      return drafts.reduce(function (chain, draft) {
        return chain.then(function () {
          return send(draft).then(function (answer) {
            if (answer.ok) { return remove(draft.client_id); }
            if (answer.status === 401 || answer.status === 403) {
              draft.error = form.dataset.msgLogin;
            } else {
              draft.error = form.dataset.msgFailed + explain(answer.body);
            }
            return put(draft);
          }, function () { /* still offline: keep it */ });
        });
      }, Promise.resolve());
    }).then(function () { sending = false; return showOutbox(); },
            function () { sending = false; });
  }

  function showOutbox() {
    return all().then(function (everyone) {
      var drafts = everyone.filter(function (d) { return d.user === form.dataset.user; });
      var others = everyone.length - drafts.length;
      var box = document.getElementById("outbox");
      var list = document.getElementById("outbox-list");
      box.hidden = everyone.length === 0;
      document.getElementById("outbox-status").textContent =
        form.dataset.msgPending.replace("{n}", drafts.length) +
        (others ? " " + form.dataset.msgOthers.replace("{n}", others) : "");
      list.textContent = "";
      drafts.forEach(function (draft) {
        var item = document.createElement("li");
        item.dataset.clientId = draft.client_id;
        item.textContent = draft.label + " · " + new Date(draft.saved_at).toLocaleString("zh-CN") +
          (draft.error ? " — " + draft.error : "");
        if (draft.error) {
          var drop = document.createElement("button");
          drop.type = "button";
          drop.textContent = form.dataset.msgDelete;
          drop.addEventListener("click", function () {
            remove(draft.client_id).then(showOutbox);
          });
          item.appendChild(drop);
        }
        list.appendChild(item);
      });
      return drafts.length;
    });
  }

  function showErrors(body) {
    var old = form.querySelector(".form-errors.sync");
    if (old) { old.remove(); }
    var box = document.createElement("div");
    box.className = "form-errors sync";
    box.setAttribute("role", "alert");
    box.textContent = explain(body);
    form.prepend(box);
    box.scrollIntoView({ block: "center" });
  }

  form.addEventListener("submit", function (event) {
    if (!window.indexedDB || !window.fetch) { return; }  // the plain form post still works
    event.preventDefault();
    if (pending > 0) { return; }  // photos still being shrunk: the button says so
    var draft = draftFromForm();
    put(draft).then(function () {
      return send(draft).then(function (answer) {
        if (answer.ok) {
          return remove(draft.client_id).then(function () {
            window.location.assign(form.dataset.doneUrl.replace(/\/$/, "/") + answer.body.id + "/");
          });
        }
        if (answer.status === 400 || answer.status === 422) {
          // Refused as written: the draft is still on the form, which says what to fix.
          return remove(draft.client_id).then(function () { showErrors(answer.body); });
        }
        // Logged out, or the server could not save it now: it waits in the outbox.
        draft.error = answer.status === 401 || answer.status === 403
          ? form.dataset.msgLogin : form.dataset.msgFailed + explain(answer.body);
        return put(draft).then(showOutbox);
      }, function () {
        // Offline: the draft waits in the outbox, and this form starts a new visit.
        var note = document.getElementById("outbox-status");
        form.reset();
        form.elements.client_id.value = newId();
        photos = [];
        document.getElementById("photo-previews").textContent = "";
        return showOutbox().then(function () {
          note.textContent = form.dataset.msgSaved + " " + note.textContent;
        });
      });
    });
  });

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  // --- photos (shrunk by photos.js) -----------------------------------------------------
  function compress(file) {
    return window.WushePhotos.compress(file).then(window.WushePhotos.toDataUrl);
  }
  // Where the phone is now, if it will say within a few seconds (each batch of photos asks
  // again: the next visit is at another home).
  function locate() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      var done = false;
      var finish = function (coords) { if (!done) { done = true; resolve(coords); } };
      navigator.geolocation.getCurrentPosition(
        function (p) { finish(p.coords); }, function () { finish(null); },
        { timeout: 5000, maximumAge: 60000 });
      setTimeout(function () { finish(null); }, 6000);
    });
  }
  var pending = 0;
  var submitButton = form.querySelector("button[type='submit']");
  var submitLabel = submitButton.textContent;
  function busy(delta) {
    pending += delta;
    submitButton.disabled = pending > 0;
    submitButton.textContent = pending > 0 ? form.dataset.msgShrinking : submitLabel;
  }
  function photoProblem(name) {
    var note = document.createElement("p");
    note.className = "error";
    note.textContent = form.dataset.msgBadPhoto.replace("{name}", name);
    document.getElementById("photo-previews").after(note);
  }
  var input = document.getElementById("id_photos");
  if (input) {
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) { return; }
      busy(files.length);
      locate().then(function (coords) {
        return files.reduce(function (chain, file) {
          return chain.then(function () {
            return compress(file).then(function (data) {
              photos.push({
                data: data,
                taken_at: new Date(file.lastModified || Date.now()).toISOString(),
                latitude: coords ? coords.latitude : null,
                longitude: coords ? coords.longitude : null,
              });
              var img = document.createElement("img");
              img.src = data;
              img.alt = file.name;
              document.getElementById("photo-previews").appendChild(img);
            }, function () { photoProblem(file.name); }).then(function () { busy(-1); });
          });
        }, Promise.resolve());
      }).then(function () { input.value = ""; });
    });
  }

  document.getElementById("outbox-sync").addEventListener("click", syncAll);
  window.addEventListener("online", syncAll);
  showOutbox().then(function (n) { if (n && navigator.onLine) { syncAll(); } });
})();
