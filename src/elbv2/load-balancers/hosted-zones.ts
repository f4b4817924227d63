/**
 * The Route 53 hosted zone AWS publishes for each region's load balancer DNS names (the AWS
 * General Reference, "Elastic Load Balancing endpoints"), so alias records written against
 * Berth name the same zone they would on AWS. Regions not listed get us-east-1's.
 */
const zones: Record<string, { app: string; net: string }> = {
  "us-east-1": { app: "Z35SXDOTRQ7X7K", net: "Z26RNL4JYFTOTI" },
  "us-east-2": { app: "Z3AADJGX6KTTL2", net: "ZLMOA37VPKANP" },
  "us-west-1": { app: "Z368ELLRRE2KJ0", net: "Z24FKFUX50B4VW" },
  "us-west-2": { app: "Z1H1FL5HABSF5", net: "Z18D5FSROUN65G" },
  "eu-west-1": { app: "Z32O12XQLNTSW2", net: "Z2IFOLAFXWLO4F" },
  "eu-west-2": { app: "ZHURV8PSTC4K8", net: "ZD4D7Y8KGAS4G" },
  "eu-central-1": { app: "Z215JYRZR1TBD5", net: "Z3F0SRJ5LGBH90" },
  "ap-northeast-1": { app: "Z14GRHDCWA56QT", net: "Z31USIVHYNEOWT" },
  "ap-southeast-1": { app: "Z1LMS91P8CMLE5", net: "ZKVM4W9LS7TM" },
  "ap-southeast-2": { app: "Z1GM3OXH4ZPM65", net: "ZCT6FZBF4DROD" },
};

export const canonicalHostedZoneId = (region: string, kind: "app" | "net") => (zones[region] ?? zones["us-east-1"]!)[kind];
