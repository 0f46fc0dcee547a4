//! The S3 calls of `ship`: the hash an object carries, one-request uploads, and multipart
//! uploads fed part by part (aborted unless completed, so no torn object and no orphan parts).

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

/// Metadata key holding the SHA-256 (hex) of the uncompressed content.
pub const SHA_META: &str = "pipeform-sha256";
/// S3's limit on the parts of one upload.
pub const MAX_PARTS: i32 = 10_000;

fn sdk_err<E: std::error::Error + 'static>(
    what: &str,
    e: aws_sdk_s3::error::SdkError<E>,
) -> String {
    format!(
        "{what} failed: {}",
        aws_sdk_s3::error::DisplayErrorContext(&e)
    )
}

/// One PutObject carrying the SHA-256 of the uncompressed content in its metadata.
pub async fn put(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    content_type: &str,
    sha: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .metadata(SHA_META, sha)
        .body(ByteStream::from(body))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| sdk_err("PutObject", e))
}

/// The SHA-256 an object carries in its metadata; `None` when the object is not there (or has
/// no such metadata).
pub async fn head_sha(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<String>, String> {
    match client.head_object().bucket(bucket).key(key).send().await {
        Ok(head) => Ok(head.metadata().and_then(|m| m.get(SHA_META)).cloned()),
        // Our role lists only under the prefixes and a HEAD carries no prefix, so a missing key
        // may answer 403: upload it, and let PutObject report a real permission problem.
        Err(e) if pipeform_shared::aws::s3_absent(&e) => Ok(None),
        Err(e) => Err(sdk_err("HeadObject", e)),
    }
}

/// A multipart upload in progress. The object appears only on [`Multipart::complete`]; every
/// other ending must call [`Multipart::abort`].
pub struct Multipart<'a> {
    client: &'a aws_sdk_s3::Client,
    bucket: &'a str,
    key: &'a str,
    upload_id: String,
    parts: Vec<CompletedPart>,
}

impl<'a> Multipart<'a> {
    /// Starts an upload whose object will carry `sha` in its metadata.
    pub async fn start(
        client: &'a aws_sdk_s3::Client,
        bucket: &'a str,
        key: &'a str,
        sha: &str,
    ) -> Result<Self, String> {
        let created = client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .content_type("application/gzip")
            .metadata(SHA_META, sha)
            .send()
            .await
            .map_err(|e| sdk_err("CreateMultipartUpload", e))?;
        let upload_id = created
            .upload_id()
            .ok_or("CreateMultipartUpload returned no upload id")?
            .to_string();
        Ok(Self {
            client,
            bucket,
            key,
            upload_id,
            parts: Vec::new(),
        })
    }

    /// Parts sent so far.
    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    /// Sends the next part (every part but the last must be at least 5 MiB).
    pub async fn send(&mut self, body: Vec<u8>) -> Result<(), String> {
        let n = i32::try_from(self.parts.len() + 1).unwrap_or(i32::MAX);
        if n > MAX_PARTS {
            return Err(format!("more than {MAX_PARTS} parts: raise --part-size"));
        }
        let out = self
            .client
            .upload_part()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(&self.upload_id)
            .part_number(n)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| sdk_err(&format!("UploadPart {n}"), e))?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(n)
                .set_e_tag(out.e_tag().map(str::to_string))
                .build(),
        );
        Ok(())
    }

    /// Makes the object appear.
    pub async fn complete(self) -> Result<usize, String> {
        let n = self.parts.len();
        self.client
            .complete_multipart_upload()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(self.parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| sdk_err("CompleteMultipartUpload", e))?;
        Ok(n)
    }

    /// Drops the parts sent (they cost storage until aborted); best effort.
    pub async fn abort(self) {
        let _ = self
            .client
            .abort_multipart_upload()
            .bucket(self.bucket)
            .key(self.key)
            .upload_id(&self.upload_id)
            .send()
            .await;
    }
}
