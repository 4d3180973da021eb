//! Pillow images read in place through the Arrow C data interface.
//!
//! Pillow (>= 11.2) exports an image with `Image.__arrow_c_array__()`: two PyCapsules, "arrow_schema" and
//! "arrow_array", holding the C structs of https://arrow.apache.org/docs/format/CDataInterface.html (the
//! capsule protocol: .../CDataInterface/PyCapsuleInterface.html). The array points at the image's own
//! memory and holds a reference to it until it is released, which Pillow's capsule destructor does when
//! the capsule is freed. So the pixels are wrapped, without a copy, in a read-only numpy array whose base
//! is the array capsule: the memory lives exactly as long as the numpy array.
//!
//! What Pillow 13 exports (`src/libImaging/Arrow.c`): single-band modes as one primitive array of
//! `width * height` elements (format "C" uint8 for L / P / 1, "s" for I;16, "i" for I, "f" for F);
//! multi-band modes as a fixed-size list "+w:4" of 4 uint8 per pixel (its storage: RGB is R, G, B,
//! padding; LA is L, L, L, A). One contiguous buffer; images whose rows are not contiguous (several
//! allocation blocks, a strided buffer) are refused by Pillow itself, and the caller reads those with
//! `np.asarray`. Everything in the structs is checked before a byte is read: a malformed export is an
//! `ImageProcessingError` (a `ValueError`) naming what is wrong, a well-formed one of another layout gives
//! `None`.

use std::ffi::{c_char, c_int, c_void, CStr};

use numpy::npyffi::{self, npy_intp, NpyTypes, PY_ARRAY_API};
use numpy::{Element, PyArrayDescrMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::errors::ImageProcessingError;

/// `struct ArrowSchema` of the C data interface.
#[repr(C)]
struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

/// `struct ArrowArray` of the C data interface.
#[repr(C)]
struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

/// The element types read here (Arrow format strings "C", "s", "i", "f").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PixelType {
    U8,
    I16,
    I32,
    F32,
}

impl PixelType {
    fn from_format(format: &[u8]) -> Option<PixelType> {
        Some(match format {
            b"C" => PixelType::U8,
            b"s" => PixelType::I16,
            b"i" => PixelType::I32,
            b"f" => PixelType::F32,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            PixelType::U8 => 1,
            PixelType::I16 => 2,
            PixelType::I32 | PixelType::F32 => 4,
        }
    }

    fn descr(self, py: Python<'_>) -> *mut npyffi::PyArray_Descr {
        match self {
            PixelType::U8 => u8::get_dtype(py).into_dtype_ptr(),
            PixelType::I16 => i16::get_dtype(py).into_dtype_ptr(),
            PixelType::I32 => i32::get_dtype(py).into_dtype_ptr(),
            PixelType::F32 => f32::get_dtype(py).into_dtype_ptr(),
        }
    }
}

/// An image's pixels as the schema describes them: the element type and how many per pixel (1, or 4 for
/// Pillow's fixed-size lists); `None` for any other layout.
fn layout(schema: &ArrowSchema) -> Result<Option<(PixelType, usize)>, String> {
    if schema.release.is_none() {
        return Err("the Arrow schema was already released".into());
    }
    let format = format_of(schema, "the Arrow schema")?;
    if !schema.dictionary.is_null() {
        return Ok(None);
    }
    if let Some(ty) = PixelType::from_format(format) {
        return Ok((schema.n_children == 0).then_some((ty, 1)));
    }
    if format != b"+w:4" {
        return Ok(None);
    }
    if schema.n_children != 1 || schema.children.is_null() {
        return Err(format!(
            "the Arrow schema is a fixed-size list with {} children (expected 1)",
            schema.n_children
        ));
    }
    // SAFETY: `children` is non-null and holds `n_children` (= 1) pointers (C data interface)
    let child = unsafe { *schema.children };
    if child.is_null() {
        return Err("the Arrow schema's list child is missing".into());
    }
    // SAFETY: checked non-null; the producer keeps the child alive as long as the parent
    let child = unsafe { &*child };
    let child_format = format_of(child, "the Arrow schema's list child")?;
    let plain = child.n_children == 0 && child.dictionary.is_null();
    Ok((plain && child_format == b"C").then_some((PixelType::U8, 4)))
}

fn format_of<'a>(schema: &'a ArrowSchema, what: &str) -> Result<&'a [u8], String> {
    if schema.format.is_null() {
        return Err(format!("{what} has no format string"));
    }
    // SAFETY: non-null; the C data interface requires a NUL-terminated string that lives as long as the
    // schema, which the caller's capsule keeps alive
    Ok(unsafe { CStr::from_ptr(schema.format) }.to_bytes())
}

/// Checks one array level: not released, no nulls, `n_buffers` buffers with a non-null pointer list, the
/// expected number of children, no dictionary, a non-negative offset. Returns (length, offset).
fn check_level(
    array: &ArrowArray,
    what: &str,
    n_buffers: i64,
    n_children: i64,
) -> Result<(usize, usize), String> {
    if array.release.is_none() {
        return Err(format!("{what} was already released"));
    }
    if array.n_buffers != n_buffers || array.buffers.is_null() {
        return Err(format!(
            "{what} has {} buffers (expected {n_buffers})",
            array.n_buffers
        ));
    }
    if array.n_children != n_children || (n_children > 0 && array.children.is_null()) {
        return Err(format!(
            "{what} has {} children (expected {n_children})",
            array.n_children
        ));
    }
    if !array.dictionary.is_null() {
        return Err(format!("{what} is dictionary-encoded"));
    }
    let (Ok(length), Ok(offset)) = (usize::try_from(array.length), usize::try_from(array.offset))
    else {
        return Err(format!(
            "{what} has length {} and offset {}",
            array.length, array.offset
        ));
    };
    // SAFETY: `buffers` is non-null and holds `n_buffers` (>= 1) pointers; the first is the validity bitmap
    let validity = unsafe { *array.buffers };
    // a null count of -1 means "not computed": only an absent bitmap then proves there are none
    if array.null_count != 0 && !validity.is_null() {
        return Err(format!(
            "{what} has null pixels (null count {})",
            array.null_count
        ));
    }
    Ok((length, offset))
}

/// The address of the first pixel's first sample, after checking that the array holds exactly `pixels`
/// pixels of `per_pixel` samples laid out as `layout` says. Bytes from it: `pixels * per_pixel * size`.
/// `None` for an array with an offset: the C interface does not say how long a buffer is, so only an export
/// that starts at its buffer's start (Pillow's) can be read in place with nothing but the producer's word
/// that the buffer holds `length` elements.
fn first_sample(
    array: &ArrowArray,
    ty: PixelType,
    per_pixel: usize,
    pixels: usize,
) -> Result<Option<*const u8>, String> {
    let what = "the Arrow array";
    let (length, offset, data) = if per_pixel == 1 {
        let (length, offset) = check_level(array, what, 2, 0)?;
        // SAFETY: `check_level` saw 2 buffer pointers
        (length, offset, unsafe { *array.buffers.add(1) })
    } else {
        let (length, offset) = check_level(array, what, 1, 1)?;
        // SAFETY: `check_level` saw a non-null list of 1 child pointer
        let child = unsafe { *array.children };
        if child.is_null() {
            return Err("the Arrow array's list child is missing".into());
        }
        // SAFETY: non-null; the parent keeps its child alive until it is released
        let child = unsafe { &*child };
        let what = "the Arrow array's list child";
        let (child_len, child_offset) = check_level(child, what, 2, 0)?;
        // the list's slots offset..offset + length cover child elements per_pixel * offset.. from the child's
        // own offset, all of which must lie inside the child
        let end = offset
            .checked_add(length)
            .and_then(|n| n.checked_mul(per_pixel));
        if end.is_none_or(|end| end > child_len) {
            return Err(format!(
                "{what} has {child_len} elements, fewer than {per_pixel} for each of the {length} pixels \
                 from offset {offset}"
            ));
        }
        // SAFETY: `check_level` saw 2 buffer pointers
        let data = unsafe { *child.buffers.add(1) };
        // non-zero when either level has an offset
        (length, offset.max(child_offset), data)
    };
    if length != pixels {
        return Err(format!("{what} has {length} pixels, the image {pixels}"));
    }
    if data.is_null() {
        return Err(format!("{what} has no data buffer"));
    }
    let bytes = pixels
        .checked_mul(per_pixel)
        .and_then(|n| n.checked_mul(ty.size()));
    if bytes.is_none_or(|n| n > isize::MAX as usize) {
        return Err(format!("{what} is too large to address"));
    }
    Ok((offset == 0).then_some(data as *const u8))
}

fn capsule<'a, 'py>(obj: &'a Bound<'py, PyAny>, what: &str) -> PyResult<&'a Bound<'py, PyCapsule>> {
    obj.cast::<PyCapsule>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a PyCapsule from __arrow_c_array__, got {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "an unknown object".into())
        ))
    })
}

/// A read-only numpy view of a `height x width` image exported as Arrow capsules (`schema`, `array`, as
/// `Image.__arrow_c_array__()` returns them): shape (height, width) for one sample per pixel (dtype uint8,
/// int16, int32 or float32 as the format says), (height, width, 4) uint8 for Pillow's 4-byte pixels. `None`
/// when the export has another layout or an unaligned buffer; `ImageProcessingError` when it is malformed.
#[pyfunction]
#[pyo3(signature = (schema, array, height, width))]
fn arrow_image_view<'py>(
    py: Python<'py>,
    schema: Bound<'py, PyAny>,
    array: Bound<'py, PyAny>,
    height: usize,
    width: usize,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let schema_ptr = capsule(&schema, "schema")?.pointer_checked(Some(c"arrow_schema"))?;
    let array_capsule = capsule(&array, "array")?;
    let array_ptr = array_capsule.pointer_checked(Some(c"arrow_array"))?;
    let pixels = height
        .checked_mul(width)
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            ImageProcessingError::new_err(format!("image size {width}x{height} has no pixels"))
        })?;
    // SAFETY: the capsule names say these are the C data interface structs; both capsules are borrowed
    // for this whole call, and only Python code could free them, which does not run here
    let (schema_ref, array_ref) = unsafe {
        (
            &*(schema_ptr.as_ptr() as *const ArrowSchema),
            &*(array_ptr.as_ptr() as *const ArrowArray),
        )
    };
    let Some((ty, per_pixel)) = layout(schema_ref).map_err(ImageProcessingError::new_err)? else {
        return Ok(None);
    };
    let Some(data) =
        first_sample(array_ref, ty, per_pixel, pixels).map_err(ImageProcessingError::new_err)?
    else {
        return Ok(None);
    };
    if !(data as usize).is_multiple_of(ty.size()) {
        return Ok(None);
    }
    let mut dims: Vec<npy_intp> = vec![height as npy_intp, width as npy_intp];
    if per_pixel > 1 {
        dims.push(per_pixel as npy_intp);
    }
    // SAFETY: `data` points at height * width * per_pixel elements of `ty` (first_sample), aligned;
    // null strides make the array C-contiguous; flags 0 make it read-only; the descriptor reference is
    // stolen by PyArray_NewFromDescr
    let view = unsafe {
        PY_ARRAY_API.PyArray_NewFromDescr(
            py,
            npyffi::get_type_object(py, NpyTypes::PyArray_Type),
            ty.descr(py),
            dims.len() as c_int,
            dims.as_mut_ptr(),
            std::ptr::null_mut(),
            data as *mut c_void,
            0,
            std::ptr::null_mut(),
        )
    };
    if view.is_null() {
        return Err(PyErr::fetch(py));
    }
    // SAFETY: `view` is a non-null new reference we own
    let view = unsafe { Bound::from_owned_ptr(py, view) };
    // SAFETY: `view` is a numpy array; its base becomes the array capsule (the reference is stolen, also on
    // failure), which keeps the export, and with it the pixel memory, alive
    let status = unsafe {
        PY_ARRAY_API.PyArray_SetBaseObject(
            py,
            view.as_ptr() as *mut npyffi::PyArrayObject,
            array_capsule.clone().into_ptr(),
        )
    };
    if status != 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(Some(view))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(arrow_image_view, m)?)?;
    Ok(())
}
