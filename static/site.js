// Herald's page script. The site works without it; with it, an embedded
// video loads its player only when the reader asks for it.
"use strict";

(function () {
  var YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

  function enhanceVideo(figure) {
    var id = figure.getAttribute("data-embed-id");
    if (!id || !YOUTUBE_ID.test(id)) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "embed-load";
    button.textContent = "Play the video here (loads YouTube)";
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = "https://www.youtube-nocookie.com/embed/" + id + "?autoplay=1";
      frame.title = "YouTube video player";
      frame.width = "560";
      frame.height = "315";
      frame.allow = "autoplay; encrypted-media; picture-in-picture";
      frame.setAttribute("allowfullscreen", "");
      frame.className = "embed-frame";
      button.replaceWith(frame);
      frame.focus();
    });
    figure.appendChild(button);
  }

  document.querySelectorAll("figure.embed-youtube").forEach(enhanceVideo);
})();
