document.addEventListener("DOMContentLoaded", function () { document.body.dataset.ready = "yes"; });
