//! The body the layer hands on: untouched, replayed after inspection, or its own answer.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;

pin_project_lite::pin_project! {
    /// The body of a request or response that went through [`ContractLayer`](super::ContractLayer).
    ///
    /// Bodies the layer does not inspect (other paths, other methods, non-JSON content) stream
    /// through as they come, frame by frame. An inspected body is replayed from the bytes the
    /// layer read, unchanged: the same bytes, then the same trailers, then the same error if
    /// the original stream failed. A body over the size limit in observe mode is the bytes
    /// read so far followed by the rest of the original stream.
    pub struct ContractBody<B>
    where
        B: Body,
    {
        #[pin]
        state: State<B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<B>
    where
        B: Body,
    {
        Stream {
            #[pin]
            body: B,
        },
        Prefixed {
            prefix: Option<Bytes>,
            rest: Pin<Box<B>>,
        },
        Replay {
            data: Option<Bytes>,
            trailers: Option<HeaderMap>,
            error: Option<B::Error>,
        },
    }
}

impl<B: Body> ContractBody<B> {
    /// Passes `body` through untouched.
    pub fn new(body: B) -> Self {
        ContractBody {
            state: State::Stream { body },
        }
    }

    /// A complete body of these bytes.
    pub(crate) fn full(data: Bytes) -> Self {
        Self::replay(data, None, None)
    }

    /// These bytes, then these trailers, then this error.
    pub(crate) fn replay(
        data: Bytes,
        trailers: Option<HeaderMap>,
        error: Option<B::Error>,
    ) -> Self {
        ContractBody {
            state: State::Replay {
                data: Some(data),
                trailers,
                error,
            },
        }
    }

    /// The bytes already read, then the rest of the stream.
    pub(crate) fn prefixed(prefix: Bytes, rest: Pin<Box<B>>) -> Self {
        ContractBody {
            state: State::Prefixed {
                prefix: Some(prefix),
                rest,
            },
        }
    }
}

impl<B: Body> std::fmt::Debug for ContractBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Stream { .. } => "stream",
            State::Prefixed { .. } => "prefixed",
            State::Replay { .. } => "replay",
        };
        f.debug_struct("ContractBody")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

/// A data chunk as `Bytes`: free when it already is one.
fn to_bytes<D: Buf>(mut data: D) -> Bytes {
    data.copy_to_bytes(data.remaining())
}

fn stream_frame<D: Buf, E>(
    poll: Poll<Option<Result<Frame<D>, E>>>,
) -> Poll<Option<Result<Frame<Bytes>, E>>> {
    poll.map(|frame| frame.map(|frame| frame.map(|frame| frame.map_data(to_bytes))))
}

fn is_empty(bytes: &Option<Bytes>) -> bool {
    bytes.as_ref().is_none_or(Bytes::is_empty)
}

impl<B: Body> Body for ContractBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().state.project() {
            StateProj::Stream { body } => stream_frame(body.poll_frame(cx)),
            StateProj::Prefixed { prefix, rest } => match prefix.take() {
                Some(bytes) if !bytes.is_empty() => Poll::Ready(Some(Ok(Frame::data(bytes)))),
                _ => stream_frame(rest.as_mut().poll_frame(cx)),
            },
            StateProj::Replay {
                data,
                trailers,
                error,
            } => {
                if let Some(bytes) = data.take().filter(|b| !b.is_empty()) {
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                if let Some(trailers) = trailers.take() {
                    return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
                }
                Poll::Ready(error.take().map(Err))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.state {
            State::Stream { body } => body.is_end_stream(),
            State::Prefixed { prefix, rest } => is_empty(prefix) && rest.is_end_stream(),
            State::Replay {
                data,
                trailers,
                error,
            } => is_empty(data) && trailers.is_none() && error.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        let len = |bytes: &Option<Bytes>| bytes.as_ref().map_or(0, |b| b.len() as u64);
        match &self.state {
            State::Stream { body } => body.size_hint(),
            State::Prefixed { prefix, rest } => {
                let rest = rest.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(rest.lower().saturating_add(len(prefix)));
                if let Some(upper) = rest.upper() {
                    hint.set_upper(upper.saturating_add(len(prefix)));
                }
                hint
            }
            State::Replay { data, error, .. } => {
                let mut hint = SizeHint::with_exact(len(data));
                if error.is_some() {
                    // The original stream failed: it never had a known length.
                    hint = SizeHint::new();
                    hint.set_lower(len(data));
                }
                hint
            }
        }
    }
}

/// A body read up to a limit.
pub(crate) enum Collected<B: Body> {
    /// The whole body.
    Whole {
        data: Bytes,
        trailers: Option<HeaderMap>,
    },
    /// Over the limit: the bytes read so far (one chunk past the limit at most) and the rest.
    TooLarge { prefix: Bytes, rest: Pin<Box<B>> },
    /// The stream failed: the bytes read before the error, and the error.
    Interrupted { data: Bytes, error: B::Error },
}

/// Reads `body` whole, unless its declared length (`Content-Length`, or the body's own size
/// hint) or its actual length is over `limit`: then it stops and hands back what it read with
/// the rest, unread.
pub(crate) async fn collect<B: Body>(body: B, declared: Option<u64>, limit: usize) -> Collected<B> {
    let mut body = Box::pin(body);
    let limit64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if declared.is_some_and(|n| n > limit64) || body.size_hint().lower() > limit64 {
        return Collected::TooLarge {
            prefix: Bytes::new(),
            rest: body,
        };
    }
    let mut buffer = BytesMut::new();
    let mut trailers: Option<HeaderMap> = None;
    loop {
        match body.frame().await {
            None => {
                return Collected::Whole {
                    data: buffer.freeze(),
                    trailers,
                };
            }
            Some(Err(error)) => {
                return Collected::Interrupted {
                    data: buffer.freeze(),
                    error,
                };
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(mut data) => {
                    let over = buffer.len().saturating_add(data.remaining()) > limit;
                    while data.has_remaining() {
                        let chunk = data.chunk();
                        let n = chunk.len();
                        buffer.extend_from_slice(chunk);
                        data.advance(n);
                    }
                    if over {
                        return Collected::TooLarge {
                            prefix: buffer.freeze(),
                            rest: body,
                        };
                    }
                }
                Err(frame) => {
                    if let Ok(more) = frame.into_trailers() {
                        match &mut trailers {
                            Some(t) => t.extend(more),
                            None => trailers = Some(more),
                        }
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::future::Future;
    use std::task::Waker;

    use super::*;

    /// A body of ready chunks, each data or an error.
    struct Chunks(VecDeque<Result<&'static str, &'static str>>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = &'static str;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, &'static str>>> {
            Poll::Ready(
                self.0
                    .pop_front()
                    .map(|chunk| chunk.map(|s| Frame::data(Bytes::from_static(s.as_bytes())))),
            )
        }
    }

    fn chunks(items: &[Result<&'static str, &'static str>]) -> Chunks {
        Chunks(items.iter().copied().collect())
    }

    /// Polls a future whose every step is ready.
    fn ready<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
    }

    /// Everything a body yields: its bytes, then its error if it fails.
    fn drain<B: Body + Unpin>(mut body: B) -> (String, Option<B::Error>) {
        let mut text = Vec::new();
        loop {
            match ready(body.frame()) {
                None => return (String::from_utf8_lossy(&text).into_owned(), None),
                Some(Err(e)) => return (String::from_utf8_lossy(&text).into_owned(), Some(e)),
                Some(Ok(frame)) => {
                    if let Ok(mut data) = frame.into_data() {
                        text.extend_from_slice(&data.copy_to_bytes(data.remaining()));
                    }
                }
            }
        }
    }

    #[test]
    fn a_whole_body_replays_as_it_came() {
        let Collected::Whole { data, trailers } =
            ready(collect(chunks(&[Ok("{\"a\""), Ok(": 1}")]), None, 64))
        else {
            panic!("whole");
        };
        assert_eq!(data, "{\"a\": 1}");
        let body = ContractBody::<Chunks>::replay(data, trailers, None);
        assert_eq!(body.size_hint().exact(), Some(8));
        assert_eq!(drain(body), ("{\"a\": 1}".to_owned(), None));
    }

    #[test]
    fn a_failed_body_replays_its_bytes_then_its_error() {
        let collected = ready(collect(chunks(&[Ok("{\"a\""), Err("reset")]), None, 64));
        let Collected::Interrupted { data, error } = collected else {
            panic!("interrupted");
        };
        let body = ContractBody::<Chunks>::replay(data, None, Some(error));
        assert_eq!(body.size_hint().exact(), None);
        assert_eq!(drain(body), ("{\"a\"".to_owned(), Some("reset")));
    }

    #[test]
    fn a_body_over_the_limit_stops_and_keeps_the_rest() {
        let body = chunks(&[Ok("12345"), Ok("67890"), Ok("abc")]);
        let Collected::TooLarge { prefix, rest } = ready(collect(body, None, 8)) else {
            panic!("too large");
        };
        assert_eq!(
            prefix, "1234567890",
            "stops at the chunk that crosses the limit"
        );
        let body = ContractBody::prefixed(prefix, rest);
        assert_eq!(drain(body), ("1234567890abc".to_owned(), None));
    }

    #[test]
    fn a_declared_length_over_the_limit_reads_nothing() {
        let body = chunks(&[Ok("12345")]);
        let Collected::TooLarge { prefix, rest } = ready(collect(body, Some(9), 8)) else {
            panic!("too large");
        };
        assert!(prefix.is_empty());
        assert_eq!(
            drain(ContractBody::prefixed(prefix, rest)),
            ("12345".to_owned(), None)
        );
    }

    #[test]
    fn an_untouched_body_streams_frame_by_frame() {
        let mut body = ContractBody::new(chunks(&[Ok("a"), Ok("b")]));
        let first = ready(body.frame())
            .and_then(Result::ok)
            .and_then(|f| f.into_data().ok());
        assert_eq!(first.as_deref(), Some(&b"a"[..]));
        assert_eq!(drain(body), ("b".to_owned(), None));
    }
}
