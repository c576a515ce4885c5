//! safetensors import and export, `no_std` and without allocation, so that a model trained in
//! PyTorch can be fine-tuned here (in the browser or on a device) and go back.
//!
//! # The file
//! An 8-byte little-endian header length `N`, `N` bytes of JSON (`{"name": {"dtype": "F32",
//! "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {..}}`), then the data;
//! offsets count from the end of the header. Export writes F32 tensors in parameter order,
//! the header padded with spaces to a multiple of 8 bytes; import reads F32 and F64 (rounded
//! to the nearest f32), in any order, and ignores `__metadata__`.
//!
//! # Names and layouts: a PyTorch `state_dict`
//! Layers are named as everywhere in staticnets (`hid1`, `hid2`, ..., `out`); give the PyTorch
//! module's submodules these names. Each tensor maps to the PyTorch tensor of the same values:
//!
//! | staticnets | layout here | safetensors name | PyTorch layout |
//! |---|---|---|---|
//! | [`Dense`](crate::layers::Dense) / [`TimeDense`](crate::layers::TimeDense) `w` | in x out | `<layer>.weight` | out x in (`nn.Linear.weight`) |
//! | `b` of a dense layer | out | `<layer>.bias` | out |
//! | [`Tied`](crate::layers::Tied) decoder | the encoder's `w`, transposed | (none: `<encoder>.weight` is used as `W^T`) | `F.linear(h, enc.weight.t(), out.bias)` |
//! | tied decoder's `b` | in | `<layer>.bias` | in |
//! | [`Rnn`](crate::layers::Rnn) / [`Lstm`](crate::layers::Lstm) `xh` | in x G·H | `<layer>.weight_ih_l0` | G·H x in (`nn.RNN` / `nn.LSTM`) |
//! | recurrent `hh` | H x G·H | `<layer>.weight_hh_l0` | G·H x H |
//! | recurrent `b` | G·H | `<layer>.bias_ih_l0` and `<layer>.bias_hh_l0` | two G·H vectors: import adds them; export writes `b` and zeros |
//! | [`Lstm`](crate::layers::Lstm) peepholes `ci`, `cf`, `co` | H | `<layer>.ci`, `.cf`, `.co` | (no PyTorch equivalent: exported only when not all zero; a missing one imports as zeros) |
//! | [`Gru`](crate::layers::Gru) `w`, `b`, `hh`, `hr`, `hz` | `w` in x 3H (h, r, z), `b` 3H, the others H x H | `<layer>.w`, `.b`, `.hh`, `.hr`, `.hz` | (no PyTorch equivalent: `nn.GRU` applies the reset gate after the recurrent product; matrices transposed like the others) |
//!
//! `G` is 1 for an rnn and 4 for an LSTM, whose gate blocks are in PyTorch's order (i, f, g,
//! o): the same as here, so no block is moved. A tensor of the wrong shape or dtype, a missing
//! or duplicated tensor, a name this model has no parameter for, a value that is not finite,
//! or a damaged header is an [`Error::Tensor`] naming the tensor; the network is unchanged.
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense};
//! use staticnets::network::Network;
//! type Body = (Dense<3, 2>, Dense<2, 3>);
//! let mut a: Network<Body> = Network::new((Dense::new(Tanh), Dense::new(Linear)));
//! a.init(5);
//! let mut file = vec![0u8; a.safetensors_len()];
//! a.save_safetensors(&mut file).unwrap();
//! let n = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
//! let header = core::str::from_utf8(&file[8..8 + n]).unwrap();
//! assert!(header.starts_with(r#"{"hid1.weight":{"dtype":"F32","shape":[2,3],"#));
//! let mut b: Network<Body> = Network::new((Dense::new(Tanh), Dense::new(Linear)));
//! b.load_safetensors(&file).unwrap();
//! assert_eq!(a, b);
//! ```

use core::fmt::Write;

use crate::checkpoint::into_buffer;
use crate::error::Error;
use crate::layers::{Layers, ParamKind, Tensor};
use crate::network::{Name, Network, Params, layer_name};

/// The largest header import reads (safetensors' own limit is 100 MB; ours is for headers of
/// models that fit a device).
pub const MAX_HEADER: usize = 1 << 20;

/// The most dimensions a tensor may have.
const MAX_DIMS: usize = 4;

/// A tensor name in an error message.
pub type TensorName = heapless::String<40>;

fn fail<T>(tensor: &str, reason: &'static str) -> Result<T, Error> {
    let mut t = TensorName::new();
    for c in tensor.chars() {
        if t.push(c).is_err() {
            break;
        }
    }
    Err(Error::Tensor { tensor: t, reason })
}

/// One file tensor a staticnets tensor is made of (a recurrent bias is two).
#[derive(Clone, Copy, PartialEq)]
enum Part {
    /// The tensor itself; transposed for the matrices.
    Whole,
    /// `bias_ih_l0` of a recurrent bias (export: the bias).
    BiasIh,
    /// `bias_hh_l0` of a recurrent bias (export: zeros).
    BiasHh,
}

/// The file tensors of staticnets tensor `t` of `net`: (name, part, PyTorch shape).
fn parts(net: &dyn Params, t: &Tensor<'_>) -> heapless::Vec<(Name, Part), 2> {
    let mut out = heapless::Vec::new();
    let layer = layer_name(t.layer, net.layers());
    let name = |suffix: &str| {
        let mut n = layer.clone();
        let _ = write!(n, ".{suffix}");
        n
    };
    let on_layer = |kind: ParamKind| {
        (0..net.tensors()).any(|i| {
            net.tensor(i)
                .is_some_and(|o| o.layer == t.layer && o.kind == kind)
        })
    };
    let recurrent = on_layer(ParamKind::InputWeight);
    // A layer with tensors of its own kind has no PyTorch counterpart (a GRU: nn.GRU applies
    // the reset gate after the recurrent product, theanets' before it): its tensors keep
    // theanets' names, matrices transposed.
    let own = (0..net.tensors()).any(|i| {
        net.tensor(i)
            .is_some_and(|o| o.layer == t.layer && matches!(o.kind, ParamKind::Other { .. }))
    });
    if own {
        let _ = out.push((name(t.kind.suffix()), Part::Whole));
        return out;
    }
    let _ = match t.kind {
        ParamKind::Weight | ParamKind::Filter { .. } => out.push((name("weight"), Part::Whole)),
        ParamKind::Bias if recurrent => out
            .push((name("bias_ih_l0"), Part::BiasIh))
            .and_then(|_| out.push((name("bias_hh_l0"), Part::BiasHh))),
        ParamKind::Bias => out.push((name("bias"), Part::Whole)),
        ParamKind::InputWeight => out.push((name("weight_ih_l0"), Part::Whole)),
        ParamKind::RecurrentWeight => out.push((name("weight_hh_l0"), Part::Whole)),
        ParamKind::PeepholeIn
        | ParamKind::PeepholeForget
        | ParamKind::PeepholeOut
        | ParamKind::Other { .. } => out.push((name(t.kind.suffix()), Part::Whole)),
    };
    out
}

/// PyTorch's shape of `t`: a matrix transposed, filters as they are stored (`(out, in, k)`
/// or `(out, in, kh, kw)`), a vector as it is.
fn torch_shape(t: &Tensor<'_>) -> ([usize; MAX_DIMS], usize) {
    match t.kind {
        ParamKind::Filter { kernel: [k, 0] } => ([t.rows, t.cols / k.max(1), k, 0], 3),
        ParamKind::Filter { kernel: [kh, kw] } => ([t.rows, t.cols / (kh * kw).max(1), kh, kw], 4),
        kind if kind.is_matrix() => ([t.cols, t.rows, 0, 0], 2),
        _ => ([t.rows * t.cols, 0, 0, 0], 1),
    }
}

/// Whether `t` is stored transposed from PyTorch's order (a matrix; filters are not).
fn transposed(t: &Tensor<'_>) -> bool {
    t.kind.is_matrix() && !matches!(t.kind, ParamKind::Filter { .. })
}

fn is_peephole(kind: ParamKind) -> bool {
    matches!(
        kind,
        ParamKind::PeepholeIn | ParamKind::PeepholeForget | ParamKind::PeepholeOut
    )
}

/// Whether export writes tensor `t` (peepholes only when used).
fn exported(t: &Tensor<'_>) -> bool {
    !is_peephole(t.kind) || t.data.iter().any(|&v| v != 0.0)
}

/// Value `k` of `t` in PyTorch's order (row-major of the transposed matrix).
fn torch_value(t: &Tensor<'_>, k: usize) -> f32 {
    if transposed(t) {
        let (o, i) = (k / t.rows, k % t.rows);
        t.data[i * t.cols + o]
    } else {
        t.data[k]
    }
}

/// Counts bytes written through it.
struct Count(usize);

impl Write for Count {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Hands what is written through it to `put`.
struct Put<'a>(&'a mut dyn FnMut(&[u8]));

impl Write for Put<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        (self.0)(s.as_bytes());
        Ok(())
    }
}

/// Write `net`'s JSON header (unpadded).
fn write_header(net: &dyn Params, w: &mut dyn Write) -> core::fmt::Result {
    w.write_char('{')?;
    let mut offset = 0usize;
    for i in 0..net.tensors() {
        let Some(t) = net.tensor(i).filter(exported) else {
            continue;
        };
        let (shape, dims) = torch_shape(&t);
        for (name, _) in parts(net, &t) {
            let n = 4 * t.data.len();
            write!(w, "\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{}", shape[0])?;
            for d in &shape[1..dims] {
                write!(w, ",{d}")?;
            }
            write!(w, "],\"data_offsets\":[{},{}]}},", offset, offset + n)?;
            offset += n;
        }
    }
    w.write_str("\"__metadata__\":{\"format\":\"pt\",\"producer\":\"staticnets\"}}")
}

/// The unpadded and the padded header's lengths.
fn header_len(net: &dyn Params) -> (usize, usize) {
    let mut c = Count(0);
    let _ = write_header(net, &mut c);
    (c.0, c.0.div_ceil(8) * 8)
}

fn file_len(net: &dyn Params) -> usize {
    let data: usize = (0..net.tensors())
        .filter_map(|i| net.tensor(i).filter(exported))
        .map(|t| 4 * t.data.len() * parts(net, &t).len())
        .sum();
    8 + header_len(net).1 + data
}

fn save_to(net: &dyn Params, put: &mut dyn FnMut(&[u8])) {
    let (unpadded, header) = header_len(net);
    put(&(header as u64).to_le_bytes());
    let _ = write_header(net, &mut Put(&mut *put));
    for _ in unpadded..header {
        put(b" ");
    }
    for i in 0..net.tensors() {
        let Some(t) = net.tensor(i).filter(exported) else {
            continue;
        };
        for (_, part) in parts(net, &t) {
            for k in 0..t.data.len() {
                let v = if part == Part::BiasHh {
                    0.0
                } else {
                    torch_value(&t, k)
                };
                put(&v.to_le_bytes());
            }
        }
    }
}

fn load(net: &mut dyn Params, bytes: &[u8]) -> Result<(), Error> {
    let file = File::parse(bytes)?;
    // Every entry must be a tensor of this model, given once.
    let mut seen = [0u8; 128];
    let mut entries = file.entries();
    while let Some(e) = entries.next_entry()? {
        let Some(slot) = slot_of(net, e.name).filter(|&s| s < seen.len()) else {
            return fail(e.name, "is not a parameter of this model");
        };
        if seen[slot] > 0 {
            return fail(e.name, "is given twice");
        }
        seen[slot] = 1;
    }
    // Every tensor of the model must be there (peepholes may be missing), of the right
    // dtype and shape, with finite values.
    for i in 0..net.tensors() {
        let Some(t) = net.tensor(i) else { continue };
        let (shape, dims) = torch_shape(&t);
        for (name, _) in parts(net, &t) {
            let Some(e) = file.find(&name)? else {
                if is_peephole(t.kind) {
                    continue;
                }
                return fail(&name, "is missing from the file");
            };
            if e.dims != dims || e.shape[..dims] != shape[..dims] {
                return fail(&name, "has the wrong shape for this model");
            }
            let values = file.values(&e, t.data.len())?;
            if !(0..values.len()).all(|k| values.get(k).is_finite()) {
                return fail(&name, "holds a value that is not finite");
            }
        }
    }
    // Checked: write.
    for i in 0..net.tensors() {
        let Some(t) = net.tensor(i) else { continue };
        let (rows, cols, matrix, kind) = (t.rows, t.cols, transposed(&t), t.kind);
        let names = parts(net, &t);
        let Some(dst) = net.tensor_mut(i) else {
            continue;
        };
        dst.fill(0.0);
        for (name, _) in names {
            let Some(e) = file.find(&name)? else {
                debug_assert!(is_peephole(kind));
                continue;
            };
            let values = file.values(&e, dst.len())?;
            for k in 0..dst.len() {
                let v = values.get(k);
                if matrix {
                    let (o, i) = (k / rows, k % rows);
                    dst[i * cols + o] += v;
                } else {
                    dst[k] += v;
                }
            }
        }
    }
    Ok(())
}

/// The slot of file tensor `name` among `net`'s (in [`parts`] order), if any.
fn slot_of(net: &dyn Params, name: &str) -> Option<usize> {
    let mut slot = 0;
    for i in 0..net.tensors() {
        let Some(t) = net.tensor(i) else { continue };
        for (n, _) in parts(net, &t) {
            if n.as_str() == name {
                return Some(slot);
            }
            slot += 1;
        }
    }
    None
}

impl<L: Layers> Network<L> {
    /// Bytes of [`save_safetensors`](Self::save_safetensors)'s file.
    pub fn safetensors_len(&self) -> usize {
        file_len(self)
    }

    /// Write the parameters as a safetensors file (names and layouts as in the
    /// [module docs](crate::safetensors)) into `out`; returns the bytes written.
    pub fn save_safetensors(&self, out: &mut [u8]) -> Result<usize, Error> {
        into_buffer(
            out,
            self.safetensors_len(),
            "safetensors buffer",
            &mut |put| {
                save_to(self, put);
                Ok(())
            },
        )
    }

    /// The same bytes, handed to `put` a few at a time (no buffer the size of the file).
    pub fn save_safetensors_to(&self, mut put: impl FnMut(&[u8])) {
        save_to(self, &mut put)
    }

    /// Replace the parameters with a safetensors file's (names and layouts as in the
    /// [module docs](crate::safetensors)), after checking all of it: on error the network is
    /// unchanged and the error names the tensor.
    pub fn load_safetensors(&mut self, bytes: &[u8]) -> Result<(), Error> {
        load(self, bytes)
    }
}

/// A parsed safetensors file: its JSON header and its data.
struct File<'a> {
    header: &'a [u8],
    data: &'a [u8],
}

/// One tensor's entry in the header.
struct Entry<'a> {
    name: &'a str,
    /// 4 for F32, 8 for F64.
    size: usize,
    shape: [usize; MAX_DIMS],
    dims: usize,
    begin: usize,
    end: usize,
}

/// A tensor's values in the file, read as f32.
struct Values<'a> {
    bytes: &'a [u8],
    size: usize,
}

impl Values<'_> {
    fn len(&self) -> usize {
        self.bytes.len() / self.size
    }
    fn get(&self, k: usize) -> f32 {
        let b = &self.bytes[k * self.size..];
        if self.size == 4 {
            f32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        }
    }
}

impl<'a> File<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        if bytes.len() < 8 {
            return fail(
                "",
                "not a safetensors file (shorter than its 8-byte header length)",
            );
        }
        let mut n = [0u8; 8];
        n.copy_from_slice(&bytes[..8]);
        let n = u64::from_le_bytes(n);
        if n > MAX_HEADER as u64 || n as usize > bytes.len() - 8 {
            return fail(
                "",
                "not a safetensors file, or truncated (its header length exceeds the file)",
            );
        }
        let header = &bytes[8..8 + n as usize];
        if header.first() != Some(&b'{') {
            return fail(
                "",
                "not a safetensors file (the header is not a JSON object)",
            );
        }
        let file = File {
            header,
            data: &bytes[8 + n as usize..],
        };
        // One full pass: the header is well-formed and every entry is valid.
        let mut entries = file.entries();
        let mut covered = 0usize;
        while let Some(e) = entries.next_entry()? {
            covered += e.end - e.begin;
        }
        if covered != file.data.len() {
            return fail(
                "",
                "the tensors do not cover the data exactly (truncated, or bytes left over)",
            );
        }
        Ok(file)
    }

    fn entries(&self) -> Entries<'a> {
        Entries {
            p: Parser {
                s: self.header,
                at: 1,
            },
            data_len: self.data.len(),
            done: false,
        }
    }

    /// The entry named `name`, if the file has it.
    fn find(&self, name: &str) -> Result<Option<Entry<'a>>, Error> {
        let mut entries = self.entries();
        while let Some(e) = entries.next_entry()? {
            if e.name == name {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    /// Entry `e`'s values, which must be `count` of them.
    fn values(&self, e: &Entry<'a>, count: usize) -> Result<Values<'a>, Error> {
        let bytes = &self.data[e.begin..e.end];
        if bytes.len() != count * e.size {
            return fail(e.name, "has the wrong shape for this model");
        }
        Ok(Values {
            bytes,
            size: e.size,
        })
    }
}

/// The entries of a header, one at a time.
struct Entries<'a> {
    p: Parser<'a>,
    data_len: usize,
    done: bool,
}

impl<'a> Entries<'a> {
    fn next_entry(&mut self) -> Result<Option<Entry<'a>>, Error> {
        let bad = |r| fail("", r);
        while !self.done {
            let p = &mut self.p;
            p.ws();
            match p.peek() {
                Some(b'}') => {
                    self.done = true;
                    return Ok(None);
                }
                Some(b',') => {
                    p.at += 1;
                    continue;
                }
                Some(b'"') => {}
                _ => return bad("the header is not valid JSON"),
            }
            let name = p.string()?;
            p.ws();
            if !p.eat(b':') {
                return bad("the header is not valid JSON");
            }
            if name == "__metadata__" {
                p.skip_value(0)?;
                continue;
            }
            let e = p.entry(name)?;
            if e.end > self.data_len || e.begin > e.end {
                return fail(name, "has data_offsets outside the data");
            }
            let numel = e.shape[..e.dims]
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d));
            if numel.and_then(|n| n.checked_mul(e.size)) != Some(e.end - e.begin) {
                return fail(
                    name,
                    "has data_offsets that do not match its shape and dtype",
                );
            }
            return Ok(Some(e));
        }
        Ok(None)
    }
}

/// A tiny JSON reader over the header bytes: just what safetensors headers use.
struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// A string's raw contents (escapes left as they are: a name with an escape matches no
    /// parameter name, which are plain ASCII).
    fn string(&mut self) -> Result<&'a str, Error> {
        self.ws();
        if !self.eat(b'"') {
            return fail("", "the header is not valid JSON (a string was expected)");
        }
        let start = self.at;
        loop {
            match self.peek() {
                None => return fail("", "the header is not valid JSON (an unterminated string)"),
                Some(b'"') => break,
                Some(b'\\') => self.at += 2,
                Some(_) => self.at += 1,
            }
        }
        let raw = &self.s[start..self.at.min(self.s.len())];
        self.at += 1;
        core::str::from_utf8(raw).or(fail("", "the header is not UTF-8"))
    }

    fn number(&mut self) -> Result<usize, Error> {
        self.ws();
        let start = self.at;
        let mut v: usize = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add((c - b'0') as usize))
                .ok_or(Error::Tensor {
                    tensor: TensorName::new(),
                    reason: "a number in the header is too large",
                })?;
            self.at += 1;
        }
        if self.at == start {
            return fail(
                "",
                "the header is not valid JSON (a whole number was expected)",
            );
        }
        Ok(v)
    }

    /// `[n, n, ...]` into `out`; returns how many.
    fn numbers(&mut self, name: &str, out: &mut [usize]) -> Result<usize, Error> {
        if !self.eat(b'[') {
            return fail(name, "has an entry with a malformed list of numbers");
        }
        let mut n = 0;
        if self.eat(b']') {
            return Ok(0);
        }
        loop {
            let v = self.number()?;
            if n == out.len() {
                return fail(name, "has more dimensions than staticnets reads (4)");
            }
            out[n] = v;
            n += 1;
            if self.eat(b']') {
                return Ok(n);
            }
            if !self.eat(b',') {
                return fail("", "the header is not valid JSON");
            }
        }
    }

    /// `{"dtype": .., "shape": [..], "data_offsets": [b, e]}` (keys in any order).
    fn entry(&mut self, name: &'a str) -> Result<Entry<'a>, Error> {
        if !self.eat(b'{') {
            return fail(name, "has an entry that is not a JSON object");
        }
        let mut e = Entry {
            name,
            size: 0,
            shape: [0; MAX_DIMS],
            dims: 0,
            begin: 0,
            end: 0,
        };
        let (mut dtype, mut shape, mut offsets) = (false, false, false);
        loop {
            if self.eat(b'}') {
                break;
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return fail("", "the header is not valid JSON");
            }
            match key {
                "dtype" => {
                    e.size = match self.string()? {
                        "F32" => 4,
                        "F64" => 8,
                        _ => return fail(name, "has a dtype other than F32 or F64"),
                    };
                    dtype = true;
                }
                "shape" => {
                    e.dims = self.numbers(name, &mut e.shape)?;
                    shape = true;
                }
                "data_offsets" => {
                    let mut o = [0usize; 2];
                    if self.numbers(name, &mut o)? != 2 {
                        return fail(name, "has data_offsets that are not two numbers");
                    }
                    (e.begin, e.end) = (o[0], o[1]);
                    offsets = true;
                }
                _ => self.skip_value(0)?,
            }
            if !self.eat(b',') {
                if self.eat(b'}') {
                    break;
                }
                return fail("", "the header is not valid JSON");
            }
        }
        if !(dtype && shape && offsets) {
            return fail(name, "has an entry without dtype, shape or data_offsets");
        }
        Ok(e)
    }

    /// Skip any JSON value (metadata), at most 16 levels deep.
    fn skip_value(&mut self, depth: usize) -> Result<(), Error> {
        if depth > 16 {
            return fail("", "the header nests too deeply");
        }
        self.ws();
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(open @ (b'{' | b'[')) => {
                self.at += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                if self.eat(close) {
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        self.string()?;
                        if !self.eat(b':') {
                            return fail("", "the header is not valid JSON");
                        }
                    }
                    self.skip_value(depth + 1)?;
                    if self.eat(close) {
                        return Ok(());
                    }
                    if !self.eat(b',') {
                        return fail("", "the header is not valid JSON");
                    }
                }
            }
            Some(_) => {
                let start = self.at;
                while matches!(
                    self.peek(),
                    Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'a'..=b'z')
                ) {
                    self.at += 1;
                }
                if self.at == start {
                    return fail("", "the header is not valid JSON");
                }
                Ok(())
            }
            None => fail("", "the header is not valid JSON (it ends early)"),
        }
    }
}
