//! Bad input at the door: what is refused before it costs anything.

use std::path::Path;

use serde_json::json;
use xtask::http;

use crate::world::{ADMIN, Shop, World, contract_program, order, raw};

/// A body sent in chunks with no declared length is refused at 256 KiB
/// like any other; a small chunked one is read as usual.
pub fn chunked_bodies(world: &mut World) {
    let shop = world.shop(&contract_program());
    let auth = format!("Bearer {}", shop.api_key);
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let path = format!("/v1/shops/{}/events", shop.name);
    let piece = vec![b' '; 64 * 1024];
    // Five pieces of 64 KiB: 320 KiB, no Content-Length.
    let chunks: Vec<&[u8]> = std::iter::repeat_n(piece.as_slice(), 5).collect();
    let big = http::request_chunked(world.port, "POST", &path, &headers, &chunks)
        .expect("the worker answers");
    assert_eq!(big.status, 413, "{}", big.body);
    assert_eq!(big.json()["code"], "body_too_large");
    let event = raw(&order("ch-1", "m-ch", "o-ch", 1000)).to_string();
    let (head, tail) = event.as_bytes().split_at(10);
    let small = http::request_chunked(world.port, "POST", &path, &headers, &[head, tail])
        .expect("the worker answers");
    assert_eq!(small.status, 200, "{}", small.body);
    // floor(1000 / 100) = 10.
    assert_eq!(small.json()["points"], 10);
    // Without any credential the body is never read: 401, not 413.
    let anonymous = http::request_chunked(
        world.port,
        "POST",
        &path,
        &[("content-type", "application/json")],
        &chunks,
    )
    .expect("the worker answers");
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
}

/// The shop objects and gates on disk that hold this worker's tables. The
/// local runtime keeps one SQLite file per object it ever started, with a
/// table of its own in it; an object that stored nothing has none of ours.
/// Read with Python's sqlite3 (the machine's python3, which schemathesis
/// needs too).
fn shop_objects(state: &Path) -> usize {
    objects_holding_tables(state, "ShopObject") + objects_holding_tables(state, "GateObject")
}

/// How many objects of `class` have tables of ours (a `kv` table), read
/// with SQLite itself, read-only.
fn objects_holding_tables(state: &Path, class: &str) -> usize {
    let dir = state.join(format!("wrangler/v3/do/loyalty-edge-{class}"));
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "sqlite"))
        .filter(|path| {
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
            rusqlite::Connection::open_with_flags(path, flags)
                .and_then(|db| {
                    db.query_row(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'kv'",
                        [],
                        |row| row.get::<_, i64>(0),
                    )
                })
                .expect("an object's database reads")
                > 0
        })
        .count()
}

/// Requests naming a shop nobody created are answered without creating
/// any storage for it.
pub fn unknown_shops(world: &mut World) {
    let known = world.shop(&contract_program());
    let before = shop_objects(&world.state);
    assert!(before > 0, "the objects are where this case looks for them");
    for n in 0..5 {
        let name = format!("nobody-{}-{n}", std::process::id());
        let calls = [
            (
                "GET",
                format!("/v1/shops/{name}/program"),
                Some(known.api_key.clone()),
                401,
            ),
            (
                "POST",
                format!("/v1/shops/{name}/events"),
                Some(known.api_key.clone()),
                401,
            ),
            ("GET", format!("/v1/widget/{name}/program"), None, 404),
            (
                "GET",
                format!("/v1/widget/{name}/me"),
                Some(known.token("m-1")),
                404,
            ),
            ("GET", format!("/r/{name}/ABCDEFGH"), None, 404),
        ];
        for (method, path, bearer, status) in calls {
            let auth = bearer.map(|b| format!("Bearer {b}"));
            let mut headers = vec![("content-type", "application/json")];
            if let Some(auth) = &auth {
                headers.push(("authorization", auth.as_str()));
            }
            let body = if method == "POST" {
                raw(&order("u-1", "m-1", "o-1", 100)).to_string()
            } else {
                String::new()
            };
            let answer = world.call(method, &path, &headers, body.as_bytes());
            assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        }
    }
    assert_eq!(
        shop_objects(&world.state),
        before,
        "no storage for unknown shops"
    );
    // Creating one still works, and only that one is stored.
    let created = world.call(
        "POST",
        "/v1/shops",
        &[
            ("authorization", &format!("Bearer {ADMIN}")),
            ("content-type", "application/json"),
        ],
        json!({"shop": format!("nobody-{}-0", std::process::id())})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(shop_objects(&world.state), before + 1);
}

/// `/r/` checks its ids before asking storage, and is rate-limited per visitor.
pub fn referral_links(world: &mut World) {
    let shop = world.shop(&contract_program());
    for bad in ["bad%20code", "x%00y", &"A".repeat(200), "%ZZ"] {
        let answer = world.call("GET", &format!("/r/{}/{bad}", shop.name), &[], b"");
        assert_eq!(answer.status, 404, "{bad}: {}", answer.body);
    }
    let visitor = [("x-real-ip", "203.0.113.9")];
    let second = xtask::clock::unix_now().rem_euclid(60);
    if second > 40 {
        std::thread::sleep(std::time::Duration::from_secs((61 - second) as u64));
    }
    for n in 1..=60 {
        let answer = world.call(
            "GET",
            &format!("/r/{}/NOSUCHCODE", shop.name),
            &visitor,
            b"",
        );
        assert_eq!(answer.status, 404, "visit {n}: {}", answer.body);
    }
    let limited = world.call(
        "GET",
        &format!("/r/{}/NOSUCHCODE", shop.name),
        &visitor,
        b"",
    );
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.header("retry-after").is_some());
}

/// An event refused because the shop has no program yet keeps no claim on
/// its id: once the program is set, the id is free for any member.
pub fn refused_events_keep_no_claim(world: &mut World) {
    let name = world.unique("bare");
    let shop = world.bare_shop(&name);
    let early = shop.send(&order("np-1", "m-early", "o-np", 1000));
    assert_eq!(early.status, 409, "{}", early.body);
    assert_eq!(early.json()["code"], "no_program");
    assert_eq!(shop.put_program(&contract_program()).status, 200);
    let later = shop.send(&order("np-1", "m-later", "o-np", 1000));
    assert_eq!(later.status, 200, "{}", later.body);
    // floor(1000 / 100) = 10.
    assert_eq!(later.json()["points"], 10);
}

/// `:` may stand in ids and separates the parts of stored names: two
/// different (shop, member) pairs never share a member's state.
pub fn separator_in_ids(world: &mut World) {
    let make = |name: &str| {
        let shop = world.bare_shop(name);
        assert_eq!(shop.put_program(&contract_program()).status, 200);
        shop
    };
    let tag = std::process::id();
    // Unescaped, both pairs named the object `member:p{tag}:member:q:member:r`.
    let one = make(&format!("p{tag}:member:q"));
    let two = make(&format!("p{tag}"));
    assert_eq!(one.send(&order("sep-1", "r", "o-1", 1000)).status, 200);
    assert_eq!(
        two.send(&order("sep-2", "q:member:r", "o-2", 3000)).status,
        200
    );
    // floor(1000 / 100) = 10 and floor(3000 / 100) = 30, each on its own.
    assert_eq!(one.member("r")["balance"], 10);
    assert_eq!(two.member("q:member:r")["balance"], 30);
}

/// More shops than an isolate keeps parsed programs for, read all at once
/// and again: a request whose cached program is evicted while it waits
/// fetches the document again instead of failing.
pub fn many_programs_at_once(world: &mut World) {
    let shops: Vec<Shop> = (0..80).map(|_| world.shop(&contract_program())).collect();
    let port = world.port;
    for round in 0..3 {
        let handles: Vec<_> = shops
            .iter()
            .map(|shop| {
                let path = format!("/v1/widget/{}/program", shop.name);
                std::thread::spawn(move || {
                    http::request(port, "GET", &path, &[], b"").expect("the worker answers")
                })
            })
            .collect();
        for handle in handles {
            let answer = handle.join().expect("a thread");
            assert_eq!(answer.status, 200, "round {round}: {}", answer.body);
        }
    }
}
