//! Fuzz an IMAP session against an in-memory server: greeting, CAPABILITY, then the login
//! (LOGIN with quoted strings or literals, synchronising or not, SASL PLAIN with and without
//! SASL-IR, XOAUTH2, continuations and their cancel, the retry with the full address). The
//! password and token never reach the transcript or the evidence.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxray::evidence::Protocol;

fuzz_target!(|data: &[u8]| mxray_fuzz::dialogue::session(Protocol::Imap, data));
