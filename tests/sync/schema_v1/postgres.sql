-- A version-1 sync database written by kit-async's main branch at c1f0632 (sync_clicks of
-- FakeKit(broadcasts=6, clicks=40, drafts=1), then broadcast 2 deleted and a second sync),
-- dumped for the migration tests (tests/sync/test_schema_migration.py).
CREATE TABLE public.broadcast_clicks (
    broadcast_id bigint NOT NULL,
    url text NOT NULL,
    unique_clicks bigint NOT NULL,
    click_to_delivery_rate double precision NOT NULL,
    click_to_open_rate double precision NOT NULL
);
CREATE TABLE public.broadcasts (
    id bigint NOT NULL,
    subject text,
    status text,
    published_at timestamp with time zone,
    send_at timestamp with time zone,
    recipients bigint,
    emails_opened bigint,
    total_clicks bigint,
    click_tracking_disabled boolean,
    clicks_synced_at timestamp with time zone,
    outside_retention_since timestamp with time zone,
    deleted_at timestamp with time zone
);
CREATE TABLE public.kit_async_schema (
    version integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_sync_started_at timestamp with time zone
);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/0', 65, 0.0064, 0.0128);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/1', 40, 0.0039, 0.0079);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/2', 715, 0.0702, 0.1404);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/3', 936, 0.0919, 0.1838);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/4', 767, 0.0753, 0.1506);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/5', 586, 0.0575, 0.1151);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/6', 150, 0.0147, 0.0295);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/7', 374, 0.0367, 0.0734);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/8', 429, 0.0421, 0.0842);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/9', 848, 0.0833, 0.1665);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/10', 744, 0.073, 0.1461);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/11', 977, 0.0959, 0.1919);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/12', 233, 0.0229, 0.0458);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/13', 595, 0.0584, 0.1168);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/14', 987, 0.0969, 0.1938);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/15', 1187, 0.1165, 0.2331);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/16', 971, 0.0953, 0.1907);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/17', 186, 0.0183, 0.0365);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/18', 641, 0.0629, 0.1259);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/19', 53, 0.0052, 0.0104);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/20', 427, 0.0419, 0.0839);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/21', 750, 0.0736, 0.1473);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/22', 856, 0.084, 0.1681);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/23', 569, 0.0559, 0.1117);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/24', 546, 0.0536, 0.1072);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/25', 185, 0.0182, 0.0363);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/26', 940, 0.0923, 0.1846);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/27', 99, 0.0097, 0.0194);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/28', 520, 0.0511, 0.1021);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/29', 1135, 0.1114, 0.2229);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/30', 329, 0.0323, 0.0646);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/31', 1103, 0.1083, 0.2166);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/32', 140, 0.0137, 0.0275);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/33', 1059, 0.104, 0.208);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/34', 171, 0.0168, 0.0336);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/35', 290, 0.0285, 0.057);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/36', 468, 0.0459, 0.0919);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/37', 862, 0.0846, 0.1693);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/38', 1199, 0.1177, 0.2355);
INSERT INTO public.broadcast_clicks VALUES (5, 'https://example.com/5/39', 710, 0.0697, 0.1394);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/0', 919, 0.0906, 0.1811);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/1', 345, 0.034, 0.068);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/2', 187, 0.0184, 0.0369);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/3', 421, 0.0415, 0.083);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/4', 486, 0.0479, 0.0958);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/5', 252, 0.0248, 0.0497);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/6', 186, 0.0183, 0.0367);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/7', 916, 0.0903, 0.1805);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/8', 1101, 0.1085, 0.217);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/9', 527, 0.0519, 0.1039);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/10', 694, 0.0684, 0.1368);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/11', 1120, 0.1104, 0.2207);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/12', 974, 0.096, 0.192);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/13', 44, 0.0043, 0.0087);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/14', 771, 0.076, 0.152);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/15', 273, 0.0269, 0.0538);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/16', 123, 0.0121, 0.0242);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/17', 1081, 0.1065, 0.213);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/18', 996, 0.0981, 0.1963);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/19', 882, 0.0869, 0.1738);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/20', 425, 0.0419, 0.0838);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/21', 219, 0.0216, 0.0432);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/22', 1097, 0.1081, 0.2162);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/23', 1051, 0.1036, 0.2071);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/24', 504, 0.0497, 0.0993);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/25', 1142, 0.1125, 0.2251);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/26', 660, 0.065, 0.1301);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/27', 202, 0.0199, 0.0398);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/28', 99, 0.0098, 0.0195);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/29', 1017, 0.1002, 0.2004);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/30', 1056, 0.1041, 0.2081);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/31', 294, 0.029, 0.0579);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/32', 1244, 0.1226, 0.2452);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/33', 178, 0.0175, 0.0351);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/34', 1261, 0.1243, 0.2485);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/35', 975, 0.0961, 0.1922);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/36', 1053, 0.1038, 0.2075);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/37', 475, 0.0468, 0.0936);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/38', 270, 0.0266, 0.0532);
INSERT INTO public.broadcast_clicks VALUES (4, 'https://example.com/4/39', 904, 0.0891, 0.1782);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/0', 806, 0.0797, 0.1594);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/1', 726, 0.0718, 0.1436);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/2', 87, 0.0086, 0.0172);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/3', 1172, 0.1159, 0.2318);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/4', 321, 0.0317, 0.0635);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/5', 962, 0.0951, 0.1903);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/6', 618, 0.0611, 0.1223);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/7', 856, 0.0847, 0.1693);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/8', 384, 0.038, 0.076);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/9', 494, 0.0489, 0.0977);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/10', 610, 0.0603, 0.1207);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/11', 212, 0.021, 0.0419);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/12', 692, 0.0684, 0.1369);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/13', 715, 0.0707, 0.1414);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/14', 811, 0.0802, 0.1604);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/15', 848, 0.0839, 0.1678);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/16', 1051, 0.1039, 0.2079);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/17', 513, 0.0507, 0.1015);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/18', 959, 0.0948, 0.1897);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/19', 894, 0.0884, 0.1769);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/20', 312, 0.0309, 0.0617);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/21', 876, 0.0866, 0.1733);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/22', 1143, 0.113, 0.2261);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/23', 866, 0.0856, 0.1713);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/24', 488, 0.0483, 0.0965);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/25', 591, 0.0585, 0.1169);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/26', 1231, 0.1217, 0.2435);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/27', 150, 0.0148, 0.0297);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/28', 1243, 0.1229, 0.2459);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/29', 328, 0.0324, 0.0649);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/30', 1145, 0.1132, 0.2265);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/31', 677, 0.067, 0.1339);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/32', 0, 0, 0);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/33', 1004, 0.0993, 0.1986);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/34', 373, 0.0369, 0.0738);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/35', 645, 0.0638, 0.1276);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/36', 1094, 0.1082, 0.2164);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/37', 1232, 0.1218, 0.2437);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/38', 988, 0.0977, 0.1955);
INSERT INTO public.broadcast_clicks VALUES (3, 'https://example.com/3/39', 721, 0.0713, 0.1426);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/0', 422, 0.0419, 0.0838);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/1', 72, 0.0071, 0.0143);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/2', 22, 0.0022, 0.0044);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/3', 1232, 0.1223, 0.2446);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/4', 59, 0.0059, 0.0117);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/5', 585, 0.0581, 0.1161);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/6', 886, 0.0879, 0.1759);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/7', 140, 0.0139, 0.0278);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/8', 341, 0.0338, 0.0677);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/9', 1027, 0.1019, 0.2039);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/10', 378, 0.0375, 0.075);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/11', 113, 0.0112, 0.0224);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/12', 139, 0.0138, 0.0276);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/13', 431, 0.0428, 0.0856);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/14', 225, 0.0223, 0.0447);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/15', 385, 0.0382, 0.0764);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/16', 1213, 0.1204, 0.2408);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/17', 357, 0.0354, 0.0709);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/18', 1159, 0.115, 0.2301);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/19', 615, 0.061, 0.1221);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/20', 231, 0.0229, 0.0459);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/21', 221, 0.0219, 0.0439);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/22', 1073, 0.1065, 0.213);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/23', 1223, 0.1214, 0.2428);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/24', 527, 0.0523, 0.1046);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/25', 998, 0.0991, 0.1981);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/26', 1144, 0.1136, 0.2271);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/27', 149, 0.0148, 0.0296);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/28', 807, 0.0801, 0.1602);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/29', 8, 0.0008, 0.0016);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/30', 644, 0.0639, 0.1279);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/31', 563, 0.0559, 0.1118);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/32', 229, 0.0227, 0.0455);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/33', 989, 0.0982, 0.1963);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/34', 813, 0.0807, 0.1614);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/35', 554, 0.055, 0.11);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/36', 1090, 0.1082, 0.2164);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/37', 46, 0.0046, 0.0091);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/38', 487, 0.0483, 0.0967);
INSERT INTO public.broadcast_clicks VALUES (2, 'https://example.com/2/39', 60, 0.006, 0.0119);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/0', 934, 0.0931, 0.1861);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/1', 766, 0.0763, 0.1527);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/2', 504, 0.0502, 0.1004);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/3', 144, 0.0143, 0.0287);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/4', 805, 0.0802, 0.1604);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/5', 333, 0.0332, 0.0664);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/6', 911, 0.0908, 0.1815);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/7', 533, 0.0531, 0.1062);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/8', 1024, 0.102, 0.2041);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/9', 706, 0.0703, 0.1407);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/10', 182, 0.0181, 0.0363);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/11', 496, 0.0494, 0.0988);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/12', 344, 0.0343, 0.0686);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/13', 548, 0.0546, 0.1092);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/14', 411, 0.0409, 0.0819);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/15', 679, 0.0676, 0.1353);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/16', 1109, 0.1105, 0.221);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/17', 299, 0.0298, 0.0596);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/18', 1202, 0.1198, 0.2395);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/19', 286, 0.0285, 0.057);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/20', 555, 0.0553, 0.1106);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/21', 683, 0.068, 0.1361);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/22', 235, 0.0234, 0.0468);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/23', 215, 0.0214, 0.0428);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/24', 110, 0.011, 0.0219);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/25', 1020, 0.1016, 0.2033);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/26', 22, 0.0022, 0.0044);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/27', 152, 0.0151, 0.0303);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/28', 951, 0.0947, 0.1895);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/29', 653, 0.0651, 0.1301);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/30', 164, 0.0163, 0.0327);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/31', 444, 0.0442, 0.0885);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/32', 784, 0.0781, 0.1562);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/33', 964, 0.096, 0.1921);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/34', 1241, 0.1236, 0.2473);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/35', 53, 0.0053, 0.0106);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/36', 49, 0.0049, 0.0098);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/37', 637, 0.0635, 0.1269);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/38', 974, 0.097, 0.1941);
INSERT INTO public.broadcast_clicks VALUES (1, 'https://example.com/1/39', 770, 0.0767, 0.1534);
INSERT INTO public.broadcasts VALUES (6, 'Broadcast 6', 'scheduled', NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL);
INSERT INTO public.broadcasts VALUES (5, 'Broadcast 5', 'completed', '2024-01-06 00:00:00+00', NULL, 10185, 5092, 23842, false, '2026-12-07 17:08:09.028428+00', NULL, NULL);
INSERT INTO public.broadcasts VALUES (4, 'Broadcast 4', 'completed', '2024-01-05 00:00:00+00', NULL, 10148, 5074, 26424, false, '2026-12-07 17:08:09.028428+00', NULL, NULL);
INSERT INTO public.broadcasts VALUES (3, 'Broadcast 3', 'aborted', '2024-01-04 00:00:00+00', NULL, 10111, 5055, 28838, false, '2026-12-07 17:08:09.028428+00', NULL, NULL);
INSERT INTO public.broadcasts VALUES (1, 'Broadcast 1', 'completed', '2024-01-02 00:00:00+00', NULL, 10037, 5018, 22892, false, '2026-12-07 17:08:09.028428+00', NULL, NULL);
INSERT INTO public.broadcasts VALUES (2, 'Broadcast 2', 'completed', '2024-01-03 00:00:00+00', NULL, 10074, 5037, 21657, false, '2026-12-07 17:08:09.028428+00', NULL, '2026-12-07 17:08:09.190667+00');
INSERT INTO public.kit_async_schema VALUES (1, '2026-12-07 17:08:08.990344+00', '2026-12-07 17:08:09.173412+00');
ALTER TABLE ONLY public.broadcast_clicks
    ADD CONSTRAINT broadcast_clicks_pkey PRIMARY KEY (broadcast_id, url);
ALTER TABLE ONLY public.broadcasts
    ADD CONSTRAINT broadcasts_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.broadcast_clicks
    ADD CONSTRAINT broadcast_clicks_broadcast_id_fkey FOREIGN KEY (broadcast_id) REFERENCES public.broadcasts(id) ON DELETE CASCADE;
