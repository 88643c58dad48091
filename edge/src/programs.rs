//! The programs an isolate has parsed, by shop and version. Versions never
//! change, so the cache can only save work, never give a wrong answer; a
//! request that counted on an entry evicted since fetches the document
//! again from the shop's object.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use loyalty_rules::Program;

use crate::zones::Tzdb;
use worker::Env;

use crate::error::{AppError, AppResult};
use crate::model::{ProgramDocument, ProgramRef};
use crate::store;

/// A parsed program and the document it came from.
type ParsedProgram = (Rc<Program>, Rc<str>);

thread_local! {
    /// Parsed programs by shop and version. Versions never change, so this
    /// cache can only save work, never give a wrong answer.
    static PROGRAMS: RefCell<HashMap<(String, u64), ParsedProgram>> = RefCell::new(HashMap::new());
}

/// How many parsed programs an isolate keeps.
const PROGRAMS_CACHED: usize = 64;

/// The program a request names, parsed once per isolate.
pub fn program_of(shop: &str, version: u64, doc: &str) -> AppResult<Rc<Program>> {
    let key = (shop.to_owned(), version);
    if let Some((program, _)) = PROGRAMS.with(|cache| cache.borrow().get(&key).cloned()) {
        return Ok(program);
    }
    let program = Program::parse_in(doc, &Tzdb).map_err(|problems| {
        store::log_internal("stored program", problems.len());
        AppError::internal()
    })?;
    Ok(keep(shop, version, program, doc))
}

/// Keeps a parsed program (of `version`, from `doc`) in this isolate.
pub fn keep(shop: &str, version: u64, mut program: Program, doc: &str) -> Rc<Program> {
    program.version = version;
    let program = Rc::new(program);
    PROGRAMS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= PROGRAMS_CACHED {
            // Drop one entry, the oldest version of any shop: a request that
            // counted on an evicted entry fetches the document again.
            if let Some(oldest) = cache.keys().min_by_key(|(_, v)| *v).cloned() {
                cache.remove(&oldest);
            }
        }
        cache.insert(
            (shop.to_owned(), version),
            (Rc::clone(&program), Rc::from(doc)),
        );
    });
    program
}

/// A program version's document: this isolate's copy when it has parsed
/// it, else KV's copy (versions never change, so any copy is right), else
/// the shop object's (`None`: no such version).
pub async fn program_document(env: &Env, shop: &str, version: u64) -> AppResult<Option<Rc<str>>> {
    let cached = PROGRAMS.with(|cache| {
        cache
            .borrow()
            .get(&(shop.to_owned(), version))
            .map(|(_, doc)| Rc::clone(doc))
    });
    if cached.is_some() {
        return Ok(cached);
    }
    if let Some(doc) = store::kv::program(env, shop, version).await {
        return Ok(Some(Rc::from(doc)));
    }
    let doc = store::shop(env, shop, ProgramDocument { version }).await?;
    Ok(doc.map(Rc::from))
}

/// The newest version of `shop`'s program this isolate has parsed.
pub fn cached_version(shop: &str) -> Option<u64> {
    PROGRAMS.with(|cache| {
        cache
            .borrow()
            .keys()
            .filter(|(s, _)| s == shop)
            .map(|(_, v)| *v)
            .max()
    })
}

fn cached(shop: &str, version: u64) -> Option<Rc<Program>> {
    PROGRAMS.with(|cache| {
        cache
            .borrow()
            .get(&(shop.to_owned(), version))
            .map(|(program, _)| Rc::clone(program))
    })
}

impl ProgramRef {
    /// The program: this isolate's parsed copy, the document carried, or the
    /// shop object's.
    pub async fn load(&self, env: &Env) -> AppResult<Rc<Program>> {
        if self.version == 0 {
            return Err(AppError::new(
                409,
                "no_program",
                "the shop has no program yet: PUT /v1/shops/{shop}/program first",
            ));
        }
        if let Some(program) = cached(&self.shop, self.version) {
            return Ok(program);
        }
        if !self.doc.is_empty() {
            return program_of(&self.shop, self.version, &self.doc);
        }
        let doc = program_document(env, &self.shop, self.version).await?;
        program_of(&self.shop, self.version, doc.as_deref().unwrap_or_default())
    }
}
