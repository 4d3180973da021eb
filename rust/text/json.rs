//! Hugging Face `tokenizer.json` of the BERT WordPiece shape, read and written.
//!
//! Reads what tokenizers 0.23.3 serializes for BertWordPieceTokenizer / transformers' BertTokenizerFast
//! (BertNormalizer, BertPreTokenizer, WordPiece, BertProcessing or its TemplateProcessing twin, added_tokens);
//! every error names the field. Writes the same shape with a BertProcessing post-processor.

use super::added_vocabulary::AddedToken;
use super::error::Error;
use super::normalizer::BertNormalizer;
use super::tokenizer::Tokenizer;
use super::wordpiece::WordPiece;
use serde_json::Value;
use std::collections::HashMap;

fn bad(field: &str, problem: &'static str) -> Error {
    Error::JsonField {
        field: field.into(),
        problem,
    }
}

fn get<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a Value, Error> {
    v.get(key)
        .ok_or_else(|| bad(&format!("{path}{key}"), "is missing"))
}

fn get_str<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a str, Error> {
    get(v, key, path)?
        .as_str()
        .ok_or_else(|| bad(&format!("{path}{key}"), "must be a string"))
}

fn get_bool(v: &Value, key: &str, path: &str, default: bool) -> Result<bool, Error> {
    match v.get(key) {
        None => Ok(default),
        Some(x) => x
            .as_bool()
            .ok_or_else(|| bad(&format!("{path}{key}"), "must be true or false")),
    }
}

fn get_u32(v: &Value, key: &str, path: &str) -> Result<u32, Error> {
    get(v, key, path)?
        .as_u64()
        .and_then(|x| u32::try_from(x).ok())
        .ok_or_else(|| {
            bad(
                &format!("{path}{key}"),
                "must be a non-negative integer below 2**32",
            )
        })
}

/// Parse a tokenizer.json text.
pub fn from_json(data: &str) -> Result<Tokenizer, Error> {
    let root: Value = serde_json::from_str(data).map_err(|e| {
        // serde_json's message ends with the position, which the error keeps as numbers
        let text = e.to_string();
        let at = format!(" at line {} column {}", e.line(), e.column());
        Error::InvalidJson {
            line: e.line(),
            column: e.column(),
            reason: text.strip_suffix(&at).unwrap_or(&text).to_string(),
        }
    })?;
    if !root.is_object() {
        return Err(Error::JsonNotObject);
    }
    // model
    let model = get(&root, "model", "")?;
    let mtype = model
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("WordPiece");
    if mtype != "WordPiece" {
        return Err(Error::JsonUnsupported {
            field: "model.type",
            found: mtype.into(),
            supported: "\"WordPiece\" is supported",
        });
    }
    let unk = get_str(model, "unk_token", "model.")?;
    let prefix = match model.get("continuing_subword_prefix") {
        None | Some(Value::Null) => "##",
        Some(v) => v
            .as_str()
            .ok_or_else(|| bad("model.continuing_subword_prefix", "must be a string"))?,
    };
    let max_chars = match model.get("max_input_chars_per_word") {
        None | Some(Value::Null) => 100,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| bad("model.max_input_chars_per_word", "must be an integer"))?
            as usize,
    };
    let vocab_v = get(model, "vocab", "model.")?
        .as_object()
        .ok_or_else(|| bad("model.vocab", "must be an object of token: id"))?;
    let mut vocab = HashMap::with_capacity(vocab_v.len());
    for (k, v) in vocab_v {
        let id = v
            .as_u64()
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| {
                bad(
                    &format!("model.vocab[{k:?}]"),
                    "must be a non-negative integer id",
                )
            })?;
        vocab.insert(k.clone(), id);
    }
    let wp = WordPiece::from_map(vocab, unk, prefix, max_chars).map_err(|e| match e {
        Error::TokenNotInVocabulary { .. } => {
            bad("model.unk_token", "must be a token of `model.vocab`")
        }
        other => other,
    })?;

    // normalizer
    let (normalizer, strip_opt) = match root.get("normalizer") {
        None | Some(Value::Null) => {
            return Err(bad(
                "normalizer",
                "is missing; a BertNormalizer is required",
            ));
        }
        Some(n) => {
            let t = get_str(n, "type", "normalizer.")?;
            if t != "BertNormalizer" {
                return Err(Error::JsonUnsupported {
                    field: "normalizer.type",
                    found: t.into(),
                    supported: "\"BertNormalizer\" is supported",
                });
            }
            let lowercase = get_bool(n, "lowercase", "normalizer.", true)?;
            let strip = match n.get("strip_accents") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_bool()
                        .ok_or_else(|| bad("normalizer.strip_accents", "must be a bool or null"))?,
                ),
            };
            (
                BertNormalizer {
                    clean_text: get_bool(n, "clean_text", "normalizer.", true)?,
                    handle_chinese_chars: get_bool(n, "handle_chinese_chars", "normalizer.", true)?,
                    strip_accents: strip.unwrap_or(lowercase),
                    lowercase,
                },
                strip,
            )
        }
    };
    match root.get("pre_tokenizer") {
        Some(p) if p.get("type").and_then(Value::as_str) == Some("BertPreTokenizer") => {}
        _ => {
            return Err(bad(
                "pre_tokenizer",
                "must be {\"type\": \"BertPreTokenizer\"}",
            ))
        }
    }

    // post-processor
    let post = match root.get("post_processor") {
        None | Some(Value::Null) => None,
        Some(p) => Some(parse_post(p)?),
    };
    let mut tok = Tokenizer {
        normalizer,
        strip_accents_option: strip_opt,
        model: wp,
        post,
        added: Default::default(),
        pool: super::pool::Pool::new(64),
    };

    // added tokens, with their declared ids
    if let Some(list) = root.get("added_tokens") {
        let list = list
            .as_array()
            .ok_or_else(|| bad("added_tokens", "must be a list"))?;
        for (i, t) in list.iter().enumerate() {
            let path = format!("added_tokens[{i}].");
            let content = get_str(t, "content", &path)?;
            if content.is_empty() {
                return Err(bad(&format!("{path}content"), "must not be empty"));
            }
            let special = get_bool(t, "special", &path, false)?;
            let token = AddedToken {
                content: content.to_string(),
                single_word: get_bool(t, "single_word", &path, false)?,
                lstrip: get_bool(t, "lstrip", &path, false)?,
                rstrip: get_bool(t, "rstrip", &path, false)?,
                normalized: get_bool(t, "normalized", &path, !special)?,
                special,
            };
            tok.added.insert(token, get_u32(t, "id", &path)?);
        }
        let n = tok.normalizer;
        tok.added.refresh(|s| {
            let (mut a, mut b) = (vec![], vec![]);
            n.normalize(s, 0, &mut a, &mut b);
            a.iter().map(|x| x.c).collect()
        });
    }
    Ok(tok)
}

type Specials = ((String, u32), (String, u32));

fn parse_post(p: &Value) -> Result<Specials, Error> {
    let t = get_str(p, "type", "post_processor.")?;
    let pair = |v: &Value, key: &str| -> Result<(String, u32), Error> {
        let field = format!("post_processor.{key}");
        let a = get(v, key, "post_processor.")?
            .as_array()
            .ok_or_else(|| bad(&field, "must be [token, id]"))?;
        match (
            a.first().and_then(Value::as_str),
            a.get(1).and_then(Value::as_u64),
        ) {
            (Some(s), Some(id)) if a.len() == 2 && id <= u32::MAX as u64 => {
                Ok((s.to_string(), id as u32))
            }
            _ => Err(bad(&field, "must be [token, id]")),
        }
    };
    match t {
        "BertProcessing" => Ok((pair(p, "cls")?, pair(p, "sep")?)),
        "TemplateProcessing" => {
            // the BERT template: [CLS] $A [SEP] (and $B [SEP] for pairs)
            let single = get(p, "single", "post_processor.")?
                .as_array()
                .ok_or_else(|| bad("post_processor.single", "must be a list"))?;
            fn special_name(x: &Value) -> Option<&str> {
                x.get("SpecialToken")
                    .and_then(|s| s.get("id"))
                    .and_then(Value::as_str)
            }
            let is_a = |x: &Value| {
                x.get("Sequence")
                    .and_then(|s| s.get("id"))
                    .and_then(Value::as_str)
                    == Some("A")
            };
            let (cls, sep) = match single.as_slice() {
                [c, a, s] if is_a(a) => match (special_name(c), special_name(s)) {
                    (Some(c), Some(s)) => (c.to_string(), s.to_string()),
                    _ => {
                        return Err(bad(
                            "post_processor.single",
                            "must be the BERT template [CLS] $A [SEP]",
                        ))
                    }
                },
                _ => {
                    return Err(bad(
                        "post_processor.single",
                        "must be the BERT template [CLS] $A [SEP]",
                    ))
                }
            };
            let specials = get(p, "special_tokens", "post_processor.")?;
            let id_of = |name: &str| -> Result<u32, Error> {
                let field = format!("post_processor.special_tokens[{name:?}].ids");
                specials
                    .get(name)
                    .and_then(|s| s.get("ids"))
                    .and_then(Value::as_array)
                    .and_then(|a| if a.len() == 1 { a[0].as_u64() } else { None })
                    .and_then(|x| u32::try_from(x).ok())
                    .ok_or_else(|| bad(&field, "must be a list of one id"))
            };
            Ok(((cls.clone(), id_of(&cls)?), (sep.clone(), id_of(&sep)?)))
        }
        other => Err(Error::JsonUnsupported {
            field: "post_processor.type",
            found: other.into(),
            supported: "\"BertProcessing\" and the BERT \"TemplateProcessing\" are supported",
        }),
    }
}

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Serialize as tokenizers 0.23.3 would (vocab in id order).
pub fn to_json(t: &Tokenizer) -> String {
    let mut o = String::with_capacity(t.model.len() * 16 + 1024);
    o.push_str("{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[");
    for (i, (id, a)) in t.added.tokens().iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        o.push_str(&format!(
            "{{\"id\":{id},\"content\":{},\"single_word\":{},\"lstrip\":{},\"rstrip\":{},\"normalized\":{},\"special\":{}}}",
            js(&a.content),
            a.single_word,
            a.lstrip,
            a.rstrip,
            a.normalized,
            a.special
        ));
    }
    let n = &t.normalizer;
    let strip = match t.strip_accents_option {
        None => "null".to_string(),
        Some(b) => b.to_string(),
    };
    o.push_str(&format!(
        "],\"normalizer\":{{\"type\":\"BertNormalizer\",\"clean_text\":{},\"handle_chinese_chars\":{},\"strip_accents\":{strip},\"lowercase\":{}}},",
        n.clean_text, n.handle_chinese_chars, n.lowercase
    ));
    o.push_str("\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},");
    match &t.post {
        Some(((c, ci), (s, si))) => o.push_str(&format!(
            "\"post_processor\":{{\"type\":\"BertProcessing\",\"sep\":[{},{si}],\"cls\":[{},{ci}]}},",
            js(s),
            js(c)
        )),
        None => o.push_str("\"post_processor\":null,"),
    }
    o.push_str(&format!(
        "\"decoder\":{{\"type\":\"WordPiece\",\"prefix\":{},\"cleanup\":true}},",
        js(&t.model.continuing_subword_prefix)
    ));
    o.push_str(&format!(
        "\"model\":{{\"type\":\"WordPiece\",\"unk_token\":{},\"continuing_subword_prefix\":{},\"max_input_chars_per_word\":{},\"vocab\":{{",
        js(&t.model.unk_token),
        js(&t.model.continuing_subword_prefix),
        t.model.max_input_chars_per_word
    ));
    let mut first = true;
    for (id, tok) in t.model.vocab_r.iter().enumerate() {
        if let Some(tok) = tok {
            if !first {
                o.push(',');
            }
            first = false;
            o.push_str(&js(tok));
            o.push(':');
            o.push_str(&id.to_string());
        }
    }
    o.push_str("}}}");
    o
}
