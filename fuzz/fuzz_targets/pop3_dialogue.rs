//! Fuzz a POP3 session against an in-memory server: greeting, CAPA (multi-line, dot-ended),
//! then the login (USER/PASS, SASL PLAIN with the initial response or after `+`, XOAUTH2,
//! continuations and their cancel, the retry with the full address). The password and token
//! never reach the transcript or the evidence.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::evidence::Protocol;

fuzz_target!(|data: &[u8]| mxray_fuzz::dialogue::session(Protocol::Pop3, data));
