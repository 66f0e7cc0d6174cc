# placeholder until s3mem lands
