// Reference data the simulated world draws from: goods, carriers, places, people. Plain
// constants; every pick from them goes through the seeded Rng.

export const skus: readonly { sku: string; description: string; unitPriceFen: number }[] = [
  { sku: 'PAL-STD-1200', description: 'Standard pallet 1200x1000', unitPriceFen: 8_500 },
  { sku: 'CTN-A4-50', description: 'Carton of A4 paper, 50 reams', unitPriceFen: 12_000 },
  { sku: 'TEA-LJ-500', description: 'Longjing tea 500 g', unitPriceFen: 26_800 },
  { sku: 'RICE-25KG', description: 'Rice, 25 kg bag', unitPriceFen: 13_900 },
  { sku: 'OIL-5L', description: 'Peanut oil 5 L', unitPriceFen: 9_800 },
  { sku: 'TV-55-4K', description: '55 inch 4K television', unitPriceFen: 329_900 },
  { sku: 'PHN-X12', description: 'Smartphone X12', unitPriceFen: 459_900 },
  { sku: 'BIKE-E200', description: 'Electric bicycle E200', unitPriceFen: 289_900 },
  { sku: 'TYRE-205', description: 'Car tyre 205/55 R16', unitPriceFen: 42_000 },
  { sku: 'CEM-50KG', description: 'Cement, 50 kg bag', unitPriceFen: 3_200 },
  { sku: 'STL-PIPE-6M', description: 'Steel pipe 6 m', unitPriceFen: 18_600 },
  { sku: 'MED-MASK-BOX', description: 'Medical masks, box of 50', unitPriceFen: 4_500 },
  { sku: 'LAP-14-PRO', description: 'Laptop 14 inch', unitPriceFen: 699_900 },
  { sku: 'FRG-450L', description: 'Refrigerator 450 L', unitPriceFen: 489_900 },
  { sku: 'WINE-CAB-6', description: 'Red wine, case of 6', unitPriceFen: 59_400 },
  { sku: 'TOY-BLK-1K', description: 'Building blocks set', unitPriceFen: 19_900 },
  { sku: 'SHOE-RUN-42', description: 'Running shoes size 42', unitPriceFen: 49_900 },
  { sku: 'CHAIR-OFF', description: 'Office chair', unitPriceFen: 79_900 },
];

export const regions = ['East China', 'North China', 'South China', 'Central China', 'Southwest', 'Northwest', 'Northeast'] as const;

export const industries = ['retail', 'manufacturing', 'electronics', 'food and beverage', 'pharmaceuticals', 'construction', 'textiles', 'automotive'] as const;

export const carriers = ['SF Freight', 'Deppon', 'ZTO Logistics', 'China Railway Express', 'Yunda Cargo', 'Own fleet'] as const;

export const cities = ['Shanghai hub', 'Hangzhou depot', 'Nanjing depot', 'Wuhan hub', 'Guangzhou hub', 'Chengdu depot', 'Beijing hub', 'Xi\'an depot', 'Shenyang depot'] as const;

export const surnames = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Guo'] as const;

export const givenNames = ['Wei', 'Fang', 'Min', 'Jing', 'Lei', 'Yan', 'Tao', 'Jun', 'Hui', 'Qiang', 'Li', 'Ping', 'Xin', 'Hong'] as const;

/** Staff by role: the `person` the sending service declares. */
export const staff = {
  orderClerks: ['desk.zhang', 'desk.li', 'desk.wang', 'desk.chen'],
  warehouse: ['wh.liu', 'wh.zhao', 'wh.sun'],
  drivers: ['drv.huang', 'drv.wu', 'drv.zhou', 'drv.xu', 'drv.ma'],
  callCentre: ['cc.yang', 'cc.hu', 'cc.guo', 'cc.lin'],
  complaintOwners: ['cs.lead.he', 'cs.lead.luo', 'cs.lead.gao'],
  managers: ['mgr.song (CS manager)', 'mgr.tang (operations director)', 'gm.deng (general manager)'],
  returnsClerks: ['ret.xie', 'ret.han'],
  reviewers: ['qa.feng', 'qa.cao'],
  accountOwners: ['am.qian', 'am.jiang', 'am.shen', 'am.yu'],
  salespeople: ['sales.peng', 'sales.lu', 'sales.dong', 'sales.ye', 'sales.cheng'],
  visitors: ['am.qian', 'am.jiang', 'am.shen', 'am.yu', 'mgr.song (CS manager)'],
} as const;
