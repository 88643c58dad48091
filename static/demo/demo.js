// Demo storefront helpers: the member switcher, which asks the development-only
// token endpoint (open only under `cargo xtask dev`), `?member=` to start as a
// member, `?open` to open the panel at once (screenshots) and `?calm` to drop
// the hostile CSS for comparison.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  if (params.has("calm")) {
    var hostile = document.getElementById("hostile");
    if (hostile) hostile.remove();
  }
  var select = document.getElementById("member");
  var status = document.getElementById("member-status");

  // The loader is async: wait for window.Loyalty before talking to it.
  function withLoyalty(then) {
    if (window.Loyalty) then(window.Loyalty);
    else setTimeout(function () { withLoyalty(then); }, 50);
  }

  function use(member) {
    if (!member || member === "guest") {
      withLoyalty(function (loyalty) { loyalty.setCustomer(""); });
      status.textContent = "";
      return;
    }
    fetch("/v1/dev/demo/token?member_id=" + encodeURIComponent(member))
      .then(function (answer) {
        if (!answer.ok) throw new Error("the token endpoint answered " + answer.status);
        return answer.json();
      })
      .then(function (body) {
        withLoyalty(function (loyalty) { loyalty.setCustomer(body.token); });
        status.textContent = "";
      })
      .catch(function (error) {
        status.textContent = "No token (" + error.message + "): run `cargo xtask dev`.";
      });
  }

  var start = params.get("member") || "guest";
  select.value = start;
  use(start);
  if (params.has("open")) withLoyalty(function (loyalty) { loyalty.open(); });
  select.addEventListener("change", function () {
    params.set("member", select.value);
    history.replaceState(null, "", "?" + params.toString());
    use(select.value);
  });

  // The shop tells the widget what is in the cart, as a real theme would.
  var add = document.getElementById("add");
  if (add) add.addEventListener("click", function (event) {
    event.preventDefault();
    withLoyalty(function (loyalty) {
      loyalty.setCart({ subtotal_minor: 18900,
        lines: [{ sku: "boot-1", category: "shoes", qty: 1, unit_price_minor: 18900 }] });
    });
    add.textContent = add.getAttribute("data-added");
  });
})();
