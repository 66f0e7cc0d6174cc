# man/local.mk: manual pages
dist_man_MANS += man/s3gc-records.5 man/s3gc.conf.5
dist_man_MANS += man/s3gc-list.1 man/s3gc.7
dist_man_MANS += man/s3gc-refs.1
dist_man_MANS += man/s3gc-vault.1
dist_man_MANS += man/s3gc-delete.1
dist_man_MANS += man/s3gc-restore.1
dist_man_MANS += man/s3gc-diff.1
dist_man_MANS += man/s3gc.1
