//! The batch job: CSV load into MySQL, ship to S3, the job log.
