//! Asterisk loads only modules that carry this paragraph (`ASTERISK_GPL_KEY` in asterisk/module.h).
//! bindgen drops the macro because of its line continuations, so it is written out here and its MD5
//! checked against the one the loader compares with (main/loader.c).

pub const GPL_KEY: &std::ffi::CStr = c"This paragraph is copyright (c) 2006 by Digium, Inc. \
In order for your module to load, it must return this \
key via a function called \"key\".  Any code which \
includes this paragraph must be licensed under the GNU \
General Public License version 2 or later (at your \
option).  In addition to Digium's general reservations \
of rights, Digium expressly reserves the right to \
allow other parties to license this paragraph under \
different terms. Any use of Digium, Inc. trademarks or \
logos (including \"Asterisk\" or \"Digium\") without \
express written permission of Digium, Inc. is prohibited.\n";

#[cfg(test)]
mod tests {
    #[test]
    fn md5_is_what_the_loader_expects() {
        let digest = md5::compute(super::GPL_KEY.to_bytes());
        assert_eq!(format!("{digest:x}"), "8776793523ea3ad3252abb3587e42224");
        assert_eq!(super::GPL_KEY.to_bytes().len(), 581);
    }
}
