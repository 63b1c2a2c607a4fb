//! Serving HTTP through Asterisk's own HTTP server (`http.conf`): one route under a URI prefix,
//! unlinked on drop. Callbacks run on Asterisk's HTTP session threads, one per connection.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use super::util::{cstring, string_from};
use super::{guard, sys};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Head,
    Other,
}

/// One request, as the module sees it.
#[derive(Debug)]
pub(crate) struct Request {
    /// The path below the route's URI, without a leading slash.
    pub path: String,
    pub method: Method,
    pub remote: Option<IpAddr>,
    /// The client's address and port.
    pub peer: Option<SocketAddr>,
    /// The address and port the client reached.
    pub local: Option<SocketAddr>,
    /// Whether the connection is TLS (Asterisk's HTTPS server).
    pub tls: bool,
    /// Asterisk's session, as its own modules name it in the security log (`0x…`).
    pub session: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub(crate) enum Response {
    Body {
        content_type: &'static str,
        body: String,
    },
    File {
        content_type: &'static str,
        path: PathBuf,
    },
    Error {
        status: u16,
        title: &'static str,
        text: String,
    },
    /// An error page with headers of its own (`WWW-Authenticate`, `Retry-After`); values with CR or
    /// LF are dropped.
    Refused {
        status: u16,
        title: &'static str,
        text: String,
        headers: Vec<(&'static str, String)>,
    },
}

pub(crate) type Handler = fn(&Request) -> Response;

/// A linked route; the `ast_http_uri` lives on the heap at a fixed address until unlinked.
pub(crate) struct Route {
    uri: Box<sys::ast_http_uri>,
}

// SAFETY: the struct is only handed to Asterisk (which locks its URI list) and back on drop.
unsafe impl Send for Route {}

#[derive(Debug, thiserror::Error)]
#[error("Asterisk refused to link the HTTP route /{0}")]
pub(crate) struct LinkError(String);

impl Route {
    /// Serves every path under `/<prefix>/<uri>/` with `handler`.
    pub fn link(
        uri: &'static CStr,
        description: &'static CStr,
        handler: Handler,
    ) -> Result<Self, LinkError> {
        let mut entry = Box::new(sys::ast_http_uri {
            description: description.as_ptr(),
            uri: uri.as_ptr(),
            callback: Some(callback),
            data: handler as *mut c_void,
            key: c"res_digium_phone".as_ptr(),
            ..Default::default()
        });
        entry.set_has_subtree(1);
        // SAFETY: a fully initialised entry at a stable heap address, unlinked in Drop.
        if unsafe { sys::ast_http_uri_link(&mut *entry) } != 0 {
            return Err(LinkError(uri.to_string_lossy().into_owned()));
        }
        Ok(Self { uri: entry })
    }
}

impl Drop for Route {
    fn drop(&mut self) {
        // SAFETY: the entry linked in `link`; Asterisk waits for running callbacks under its list lock.
        unsafe { sys::ast_http_uri_unlink(&mut *self.uri) };
    }
}

/// # Safety
/// `ss` points to a sockaddr_storage whose family field says which address it holds.
unsafe fn socket_addr(ss: *const libc::sockaddr_storage) -> Option<SocketAddr> {
    // SAFETY: per the contract; sockaddr_storage is large enough for either family.
    unsafe {
        match c_int::from((*ss).ss_family) {
            libc::AF_INET => {
                let sin = &*ss.cast::<libc::sockaddr_in>();
                let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                Some(SocketAddr::new(IpAddr::V4(ip), u16::from_be(sin.sin_port)))
            }
            libc::AF_INET6 => {
                let sin6 = &*ss.cast::<libc::sockaddr_in6>();
                let v6 = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                let ip = v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4);
                Some(SocketAddr::new(ip, u16::from_be(sin6.sin6_port)))
            }
            _ => None,
        }
    }
}

fn peer(ser: *const sys::ast_tcptls_session_instance) -> Option<SocketAddr> {
    // SAFETY: a live session for the duration of the callback; its remote address is a
    // sockaddr_storage filled by accept().
    unsafe { socket_addr(std::ptr::addr_of!((*ser).remote_address.ss).cast()) }
}

/// The local end of the connection (`getsockname`), and whether it is TLS.
fn local_end(ser: *const sys::ast_tcptls_session_instance) -> (Option<SocketAddr>, bool) {
    // SAFETY: a live session; its stream is set before callbacks run, and Asterisk's iostream
    // getters only read it.
    unsafe {
        let stream = (*ser).stream;
        if stream.is_null() {
            return (None, false);
        }
        let tls = !sys::ast_iostream_get_ssl(stream).is_null();
        let fd = sys::ast_iostream_get_fd(stream);
        let mut ss: libc::sockaddr_storage = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let named = libc::getsockname(fd, (&raw mut ss).cast(), &mut len) == 0;
        (if named { socket_addr(&ss) } else { None }, tls)
    }
}

unsafe extern "C" fn callback(
    ser: *mut sys::ast_tcptls_session_instance,
    urih: *const sys::ast_http_uri,
    uri: *const c_char,
    method: sys::ast_http_method,
    _get_params: *mut sys::ast_variable,
    headers: *mut sys::ast_variable,
) -> c_int {
    guard::entry("HTTP request", -1, || {
        // SAFETY: Asterisk passes the linked entry, whose `data` is the Handler stored by `link`.
        let handler: Handler = unsafe { std::mem::transmute::<*mut c_void, Handler>((*urih).data) };
        let method = match method {
            sys::ast_http_method_AST_HTTP_GET => Method::Get,
            sys::ast_http_method_AST_HTTP_HEAD => Method::Head,
            _ => Method::Other,
        };
        let mut list = Vec::new();
        let mut h = headers;
        while !h.is_null() {
            // SAFETY: a NULL-terminated list of live variables owned by the request.
            unsafe {
                list.push((string_from((*h).name), string_from((*h).value)));
                h = (*h).next;
            }
        }
        let peer = peer(ser);
        let (local, tls) = local_end(ser);
        let request = Request {
            // SAFETY: NUL-terminated for the duration of the call.
            path: unsafe { string_from(uri) }.trim_start_matches('/').to_string(),
            method,
            remote: peer.map(|p| p.ip()),
            peer,
            local,
            tls,
            session: format!("{ser:p}"),
            headers: list,
        };
        let response = handler(&request);
        respond(ser, method, response);
        0
    })
}

fn respond(ser: *mut sys::ast_tcptls_session_instance, method: Method, response: Response) {
    let method = match method {
        Method::Head => sys::ast_http_method_AST_HTTP_HEAD,
        _ => sys::ast_http_method_AST_HTTP_GET,
    };
    match response {
        Response::Error { status, title, text } => error(ser, status, title, &text),
        Response::Refused { status, title, text, headers } => {
            let mut head = String::from("Content-type: text/html\r\n");
            for (name, value) in headers.iter().filter(|(_, v)| !v.contains(['\r', '\n'])) {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            let (title, text) = (cstring(title), cstring(&text));
            // SAFETY: a live session; ast_http_create_response frees the header string (also on
            // failure) and copies title and text.
            unsafe {
                let header = new_str(&head);
                if header.is_null() {
                    return error(ser, 500, "Internal Server Error", "out of memory");
                }
                sys::ast_http_create_response(
                    ser,
                    c_int::from(status),
                    title.as_ptr(),
                    header,
                    text.as_ptr(),
                );
            }
        }
        Response::Body { content_type, body } => {
            let body = cstring(&body);
            // SAFETY: ast_http_send takes ownership of both strings (it frees them); "%s" formats.
            unsafe {
                let header = new_str(&format!(
                    "Content-Type: {content_type}\r\nCache-Control: no-store\r\n"
                ));
                let mut out = sys::_ast_str_create(
                    body.as_bytes().len() + 1,
                    c"http.rs".as_ptr(),
                    0,
                    c"".as_ptr(),
                );
                if header.is_null() || out.is_null() {
                    sys::ast_free_ptr(header.cast());
                    sys::ast_free_ptr(out.cast());
                    return error(ser, 500, "Internal Server Error", "out of memory");
                }
                sys::ast_str_set(&mut out, 0, c"%s".as_ptr(), body.as_ptr());
                sys::ast_http_send(ser, method, 200, std::ptr::null(), header, out, 0, 0);
            }
        }
        Response::File { content_type, path } => {
            let Ok(file) = std::fs::File::open(&path) else {
                return error(ser, 404, "Not Found", "no such file");
            };
            // SAFETY: ast_http_send frees the header and reads the descriptor to its end; the file stays
            // open until after the call.
            unsafe {
                let header = new_str(&format!("Content-Type: {content_type}\r\n"));
                if header.is_null() {
                    return error(ser, 500, "Internal Server Error", "out of memory");
                }
                sys::ast_http_send(
                    ser,
                    method,
                    200,
                    std::ptr::null(),
                    header,
                    std::ptr::null_mut(),
                    file.as_raw_fd(),
                    0,
                );
            }
        }
    }
}

/// # Safety
/// Returns an `ast_str` the caller must hand to Asterisk or free.
unsafe fn new_str(text: &str) -> *mut sys::ast_str {
    let text = cstring(text);
    // SAFETY: a fresh string from Asterisk's allocator, set with a "%s" format.
    unsafe {
        let mut s =
            sys::_ast_str_create(text.as_bytes().len() + 1, c"http.rs".as_ptr(), 0, c"".as_ptr());
        if !s.is_null() {
            sys::ast_str_set(&mut s, 0, c"%s".as_ptr(), text.as_ptr());
        }
        s
    }
}

fn error(ser: *mut sys::ast_tcptls_session_instance, status: u16, title: &str, text: &str) {
    let (title, text) = (cstring(title), cstring(text));
    // SAFETY: a live session; Asterisk copies both strings.
    unsafe { sys::ast_http_error(ser, c_int::from(status), title.as_ptr(), text.as_ptr()) };
}

/// Asterisk's HTTP prefix (`prefix` in http.conf), e.g. `` or `/asterisk`.
pub(crate) fn prefix() -> String {
    let mut buf = [0 as c_char; 256];
    // SAFETY: the buffer and its length; Asterisk NUL-terminates.
    unsafe {
        sys::ast_http_prefix(buf.as_mut_ptr(), buf.len() as c_int);
        string_from(buf.as_ptr())
    }
}
