// Photos are shrunk on the phone before they are sent: at most 1600 px on the long side,
// JPEG at quality 0.8 (a phone's 4–8 MB photo becomes some 200–400 kB). A plain form opts in
// with <input type="file" data-compress>: the chosen files are replaced by the smaller ones,
// so the form posts as usual. The visit form (visit.js) keeps its photos itself.
(function () {
  "use strict";
  var MAX_SIDE = 1600, QUALITY = 0.8;

  function compress(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(resolve, "image/jpeg", QUALITY);
      });
    });
  }

  function toDataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
  }

  window.WushePhotos = { compress: compress, toDataUrl: toDataUrl };

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type='file'][data-compress]")) { return; }
    if (input.dataset.compressing || !window.DataTransfer) { return; }
    var files = Array.prototype.slice.call(input.files || []);
    input.dataset.compressing = "1";
    Promise.all(files.map(function (file) {
      return compress(file).then(function (blob) {
        var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
        return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
      }, function () { return file; });  // not an image the browser can read: send as chosen
    })).then(function (smaller) {
      var transfer = new DataTransfer();
      smaller.forEach(function (f) { transfer.items.add(f); });
      input.files = transfer.files;
      delete input.dataset.compressing;
    });
  });
})();
