// Reference numbers from PyTorch 1.13 (Debian python3-torch) and transformers 4.47.1's
// get_scheduler, produced by scripts/reference/train_optim_reference.py (its docstring says how
// to run it; the inputs are its param_init / grad formulas, which train_test_util.h evaluates
// the same way). float32 values are bit patterns: the optimizers must reproduce torch bit for bit.
// Do not edit by hand: rerun the script and paste its output.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace automodel::train::reference {

// adamw wd=0.1 param after step 1
inline const std::vector<uint32_t> kAdamWStep1 = {0xbfc7a966, 0x3ee05443, 0xbf5dc4e7, 0x3f936b60, 0xbe07e641, 0xbfb7f44c, 0x3f0f9456, 0xbf341d42, 0x3fa3207a, 0xbc23d709, 0xbfa3207a, 0x3f341d42, 0xbf14b30e, 0x3fb7f44c, 0x3e07e641, 0xbf936b60, 0x3f5dc4e7, 0xbed616d3, 0x3fc7a966, 0x3e97426a, 0xbf7d2f1b, 0x3f7d2f1b, 0xbe8d04fa, 0xbfc7a966, 0x3ed616d3, 0xbf5dc4e7, 0x3f936b60, 0xbe1c6123, 0xbfb7f44c, 0x3f14b30e, 0xbf393bfa, 0x3fa3207a, 0x3c23d70a, 0xbfa5afd6, 0x3f341d42, 0xbf0f9456, 0x3fb7f44c};
// adamw wd=0.1 param after 5 steps
inline const std::vector<uint32_t> kAdamWStep5 = {0xbfc6f676, 0x3ee6e016, 0xbf5c8b40, 0x3f91b480, 0xbdfdc630, 0xbfb7f8e8, 0x3f0aec8a, 0xbf3312ce, 0x3fa0dec0, 0xbcc683d9, 0xbfa34279, 0x3f3287ef, 0xbf1920fa, 0x3fb901cb, 0x3dfb8004, 0xbf910e6a, 0x3f5e73d5, 0xbecb8307, 0x3fc7cc17, 0x3e958f28, 0xbf78b3b4, 0x3f7c33bf, 0xbe919b50, 0xbfc5f31c, 0x3ed1a0cd, 0xbf613d6a, 0x3f92d5fc, 0xbe29a452, 0xbfb92b88, 0x3f12387c, 0xbf399f96, 0x3f9fdcf2, 0x3cb9daca, 0xbfa658bd, 0x3f36ade6, 0xbf0dc9a8, 0x3fb98b41};
// adamw wd=0.1 exp_avg
inline const std::vector<uint32_t> kAdamWExpAvg = {0x3d26b2b7, 0xbd79719c, 0xbba3661f, 0x3db30d26, 0xbc68282e, 0x3d2afad1, 0x3e096078, 0x3d055d89, 0x3db53132, 0xbcf79934, 0x3da2628f, 0xbd607378, 0x3c8735f6, 0xbd383dcd, 0xbc042f86, 0xbdb9aea4, 0x3ae538fc, 0xbdcc7d47, 0xbd33f5b2, 0x3d46915c, 0xbd5992fb, 0x3b371e16, 0x3dc2fc78, 0xbbd15b33, 0x3d4ad976, 0x3e115821, 0x3d253c2d, 0x3dc52084, 0xbcb7dbe6, 0x3db251e2, 0xbd4094d3, 0x3cc6f341, 0xbd185f26, 0xb9969f9e, 0xbda9bf52, 0x3c1c21b4, 0xbdbc8df4};
// adamw wd=0.1 exp_avg_sq
inline const std::vector<uint32_t> kAdamWExpAvgSq = {0x3acd33cf, 0x3ade7bb1, 0x3aef036b, 0x3adfb6a3, 0x3acca7ce, 0x3af7cf02, 0x3b01a0fd, 0x3acbdc6b, 0x3b08d18d, 0x3b0a0dfb, 0x3adc198c, 0x3b0bd9f5, 0x3b0d48da, 0x3ad7820b, 0x3b0a414c, 0x3b059103, 0x3acac9e7, 0x3afa5b8e, 0x3af4b2a2, 0x3acf1a44, 0x3ada5535, 0x3aef4bbe, 0x3ae47324, 0x3acb575e, 0x3afaed5e, 0x3b056a42, 0x3acd6206, 0x3b0bcbc0, 0x3b0a005f, 0x3ae07533, 0x3b0afea0, 0x3b0ea644, 0x3ad4354d, 0x3b0ad0fb, 0x3b031b91, 0x3aca5335, 0x3af3d7ec};
// adamw amsgrad param after step 1
inline const std::vector<uint32_t> kAmsgradStep1 = {0xbfc8c0b9, 0x3edcf53f, 0xbf5c30a4, 0x3f92aa54, 0xbe0f3598, 0xbfb73c55, 0x3f118373, 0xbf36156b, 0x3fa42eb8, 0xbb449b3a, 0xbfa42eb8, 0x3f36156b, 0xbf130ca1, 0x3fb73c55, 0x3e0f3598, 0xbf92aa54, 0x3f5c30a3, 0xbed9e2d1, 0x3fc8c0b9, 0x3e93d13d, 0xbf7f396d, 0x3f7f396d, 0xbe90bed0, 0xbfc8c0b9, 0x3ed9e2d1, 0xbf5c30a2, 0x3f92aa54, 0xbe155a74, 0xbfb73c55, 0x3f130ca2, 0xbf379ea3, 0x3fa42eb8, 0x3b449b86, 0xbfa4f354, 0x3f36156b, 0xbf11836b, 0x3fb73c55};
// adamw amsgrad param after 6 steps
inline const std::vector<uint32_t> kAmsgradStep6 = {0xbfc89a59, 0x3edf80e1, 0xbf5c8bce, 0x3f924ac4, 0xbe0b4676, 0xbfb7a5c7, 0x3f0ff218, 0xbf3540d5, 0x3fa386c3, 0xbc0c5c74, 0xbfa4021f, 0x3f3530ad, 0xbf14ec9f, 0x3fb7f8f6, 0x3e0a9534, 0xbf924556, 0x3f5d1567, 0xbed6df2d, 0x3fc8c576, 0x3e93f7ee, 0xbf7df13d, 0x3f7eb53f, 0xbe926f9c, 0xbfc843cc, 0x3ed7f40d, 0xbf5dd20d, 0x3f9301d1, 0xbe1a9a08, 0xbfb7f7a5, 0x3f133abf, 0xbf388361, 0x3fa32e04, 0x3c0d973f, 0xbfa58598, 0x3f36b0e7, 0xbf10b061, 0x3fb7ef5f};
// adamw amsgrad exp_avg
inline const std::vector<uint32_t> kAmsgradExpAvg = {0xbc445ffa, 0xbce50c4b, 0x3ca01e00, 0x3c7884e8, 0xba533af7, 0x3d3f483a, 0x3d2d5a74, 0xbd345061, 0x3d9740ba, 0x3afbd181, 0xbc8a2e4c, 0x3d09058c, 0x3cee2f8e, 0xbd7d058a, 0x3d783ec5, 0xbcf7bd14, 0xbd0dcc4f, 0xbd4f3a77, 0xbb4a54f3, 0xbbf498ab, 0xbcc0027a, 0x3cc527d6, 0x3ca14c4a, 0x3b737ff7, 0x3d51cd27, 0x3d3fdf60, 0xbd21cb77, 0x3da08330, 0x3bd31bbe, 0xbc4a48ed, 0x3d1b8a78, 0x3d099cb1, 0xbd6a809f, 0x3d8561d7, 0xbcd2b33d, 0xbcf68eca, 0xbd3cb58a};
// adamw amsgrad exp_avg_sq
inline const std::vector<uint32_t> kAmsgradExpAvgSq = {0x3c1bda17, 0x3d0fdaa3, 0x3ca81ce2, 0x3c126330, 0x3ce8e7f6, 0x3ccacb2f, 0x3c226a0c, 0x3cbbd839, 0x3cfa385c, 0x3c437287, 0x3c990d55, 0x3d17f329, 0x3c777555, 0x3c6f6bcb, 0x3d36d7cc, 0x3c89a23c, 0x3c3737ef, 0x3d2b8fe6, 0x3c94f20d, 0x3c1881d7, 0x3d0ad974, 0x3cad00be, 0x3c134982, 0x3ce104e6, 0x3cd1ce52, 0x3c278ef0, 0x3cb52ac7, 0x3d01ad65, 0x3c4a56af, 0x3c947f2c, 0x3d1ca6c7, 0x3c814c06, 0x3c644b52, 0x3d3c9b0d, 0x3c8aa1fc, 0x3c30560c, 0x3d25ac51};
// adamw amsgrad max_exp_avg_sq
inline const std::vector<uint32_t> kAmsgradMaxExpAvgSq = {0x3c1ca964, 0x3d217412, 0x3cb697b0, 0x3c156c99, 0x3cf92585, 0x3cdc608a, 0x3c286557, 0x3cc6bf82, 0x3d086c4f, 0x3c4ca524, 0x3ca1b201, 0x3d272c80, 0x3c821fa3, 0x3c79a12c, 0x3d529317, 0x3c9290bb, 0x3c390d5a, 0x3d45e55f, 0x3ca0e157, 0x3c19a351, 0x3d1a9e11, 0x3cbbfedf, 0x3c16c3b1, 0x3cefd435, 0x3ce3e957, 0x3c2e1999, 0x3cbfa70f, 0x3d0d7a02, 0x3c54159d, 0x3c9cd26b, 0x3d2d1288, 0x3c880675, 0x3c6d0667, 0x3d5a8a32, 0x3c940f84, 0x3c30e452, 0x3d3e51e0};
// sgd momentum param after 4 steps
inline const std::vector<uint32_t> kSgdMomentumStep4 = {0xbfc38fa5, 0x3f10c7cb, 0xbf63d5c6, 0x3f903315, 0xbd5461c3, 0xbfc0f1d7, 0x3f025841, 0xbf2b5404, 0x3f92d0e1, 0xbdddad31, 0xbfa4b0f5, 0x3f1fe5ca, 0xbf39c38d, 0x3fc62afd, 0x3bebf0e5, 0xbf8af9ee, 0x3f6e4813, 0xbe7d90c3, 0x3fc8c8cc, 0x3ea07459, 0xbf5d7219, 0x3f7383b0, 0xbe9ba776, 0xbfbdbfff, 0x3eaaeb92, 0xbf6be1a2, 0x3f9602ba, 0xbe91303d, 0xbfc4f7c6, 0x3f0df78d, 0xbf4e5419, 0x3f8ecaf4, 0x3df0e0bc, 0xbfb63100, 0x3f41659c, 0xbeffe39f, 0x3fcbfaa4};
// sgd momentum momentum_buffer
inline const std::vector<uint32_t> kSgdMomentumBuffer = {0xbedf7ebc, 0xbf45343c, 0x3f044bd6, 0x3c2adea8, 0xbedacd78, 0x3f5c1954, 0x3eb4f1f3, 0xbdacc9fb, 0x3fa74217, 0x3f324677, 0x3e84687f, 0xbe802974, 0x3f8509fa, 0xbf8075b7, 0x3dbdc627, 0xbe1df651, 0xbf291def, 0xbf8c9814, 0x3e95da8b, 0xbea2a0e2, 0xbf4162a9, 0x3f22bac3, 0x3ccfa182, 0xbed32a57, 0x3f7a8841, 0x3ebc9513, 0x3d0d5ae5, 0x3fa92ae0, 0x3f361808, 0x3ec1465a, 0xbe710ca5, 0x3f944171, 0xbf7d19dc, 0x3ddc52ac, 0xbd10ea82, 0xbf254c5e, 0xbf7ac13c};
// sgd nesterov param after 4 steps
inline const std::vector<uint32_t> kSgdNesterovStep4 = {0xbfbaba5e, 0x3f465f14, 0xbf775f9b, 0x3f8e8bbd, 0x3d86611e, 0xbfd67946, 0x3ecf0910, 0xbf24c6cd, 0x3f6599a9, 0xbe9c1cd0, 0xbfad2cde, 0x3f16b5f1, 0xbf81d0ac, 0x3fe551ae, 0xbdf6e7f6, 0xbf7f66ac, 0x3f8a8835, 0x3d0c5154, 0x3fc992c4, 0x3ebefaf4, 0xbf2ccdda, 0x3f5d929b, 0xbeac2aed, 0xbfb13066, 0x3e1ffeae, 0xbf85d433, 0x3f9815b5, 0xbf0d9344, 0xbfe09dab, 0x3ef530f5, 0xbf5c76fc, 0x3f5150de, 0x3eaeecd9, 0xbfc904f7, 0x3f558b8c, 0xbebc390a, 0x3feedba8};
// sgd nesterov momentum_buffer
inline const std::vector<uint32_t> kSgdNesterovBuffer = {0xbed5acee, 0xbf4c96ae, 0x3f0e7fd8, 0xbc80e244, 0xbed1570a, 0x3f726b02, 0x3ebfc82f, 0xbc980b70, 0x3fac9d33, 0x3f43cf41, 0x3ebe559e, 0xbebe9872, 0x3f93dd34, 0xbf9028f5, 0x3c93de00, 0xbe277f58, 0xbf3c66bf, 0xbf908599, 0x3e73be3c, 0xbeb0f730, 0xbf3d200a, 0x3f20dab7, 0x3d36f902, 0xbeb269c2, 0x3f8262f0, 0x3edeb575, 0x3d59a838, 0x3fb45884, 0x3f5345e3, 0x3ee30b5a, 0xbe9fab2c, 0x3f9d0aa4, 0xbf886da4, 0x3da0aca0, 0xbdbc27c0, 0xbf2cf01e, 0xbf87582a};
// sgd plain param after 3 steps
inline const std::vector<uint32_t> kSgdPlainStep3 = {0xbfc37437, 0x3eec5776, 0xbf55e4ae, 0x3f9397be, 0xbe1383b8, 0xbfb878ac, 0x3f0c22d3, 0xbf3fed97, 0x3f9e934a, 0xbd6e9d61, 0xbfad7d1f, 0x3f2219eb, 0xbf29f67f, 0x3fc49487, 0x3ce1a837, 0xbf877be3, 0x3f6e1c63, 0xbebbe80c, 0x3fcf9011, 0x3ea61f75, 0xbf7900af, 0x3f8209bd, 0xbe8ff9de, 0xbfca06ab, 0x3ed20da3, 0xbf630997, 0x3f8d054a, 0xbe48175b, 0xbfbf0b20, 0x3efdfbd5, 0xbf4d1280, 0x3f9800d5, 0x3dcfe50f, 0xbfb40f93, 0x3f4b0063, 0xbf011007, 0x3fbe0212};
// bf16 master after 4 steps
inline const std::vector<uint32_t> kBf16MasterStep4 = {0xbfc6cad2, 0x3ee55f6e, 0xbf5c63b3, 0x3f9208ba, 0xbdfeba27, 0xbfb81627, 0x3f0c1ca4, 0xbf3307b1, 0x3fa1e2cf, 0xbcd0075c, 0xbfa36c1b, 0x3f3253e0, 0xbf18d722, 0x3fb916dd, 0x3dfa8fbc, 0xbf915c5e, 0x3f5e4497, 0xbecd4ef8, 0x3fc7a155, 0x3e9680a6, 0xbf7986b7, 0x3f7c7bc7, 0xbe8f73a3, 0xbfc60a96, 0x3ed26969, 0xbf5fa5de, 0x3f92ec6c, 0xbe25d799, 0xbfb99b14, 0x3f130334, 0xbf3a671b, 0x3fa090a4, 0x3cacf68b, 0xbfa6f0ff, 0x3f362f6f, 0xbf0d89b1, 0x3fb96673};
// bf16 param after 4 steps
inline const std::vector<uint16_t> kBf16ParamStep4 = {0xbfc7, 0x3ee5, 0xbf5c, 0x3f92, 0xbdff, 0xbfb8, 0x3f0c, 0xbf33, 0x3fa2, 0xbcd0, 0xbfa3, 0x3f32, 0xbf19, 0x3fb9, 0x3dfb, 0xbf91, 0x3f5e, 0xbecd, 0x3fc8, 0x3e97, 0xbf7a, 0x3f7c, 0xbe8f, 0xbfc6, 0x3ed2, 0xbf60, 0x3f93, 0xbe26, 0xbfba, 0x3f13, 0xbf3a, 0x3fa1, 0x3cad, 0xbfa7, 0x3f36, 0xbf0e, 0x3fb9};

struct ClipCase {
  double max_norm;
  double norm_type;
  uint32_t total_bits;
  std::vector<uint32_t> grad_a, grad_b;
};
inline const std::vector<ClipCase> kClipCases = {
    // clip_grad_norm_([a, b], 1, 2): total 4.20459127
    {1, 2.0, 0x40868c03,
     {0xbd587b9e, 0xbe583d46, 0x3e07c9f5, 0xbcd2a34a, 0xbe3c72c7, 0x3e239473, 0x3abb0a8d, 0xbe20a849, 0x3e3f5ef2, 0x3cea049b, 0xbe04ddca, 0x3e5b296f, 0x3d642c47, 0xbdd22698, 0x3e76f3ef, 0x3da9ab20, 0xbd9a919c, 0xbe6f672b, 0x3de1401d, 0xbd45f93d, 0xbe539cae, 0x3e0c6a8d, 0xbcad9e89, 0xbe37d22f, 0x3e28350b, 0x3bc2d5a8, 0xbe1c07b1, 0x3e43ff8a, 0x3d0784af, 0xbe003d32, 0x3e5fca07, 0x3d76aea8, 0xbdc8e568, 0x3e7b9486, 0x3db2ec50, 0xbd91506c, 0xbe6ac693},
     {0x3e074d43, 0xbcd688d7, 0xbe3cef78, 0x3e2317c1, 0x3a796367, 0xbe2124fb, 0x3e3ee23f, 0x3ce61f0e, 0xbe055a7c, 0x3e5aacbe, 0x3d623981, 0xbdd31ffb}},
    // clip_grad_norm_([a, b], 100, 2): total 4.20459127
    {100, 2.0, 0x40868c03,
     {0xbe638e39, 0xbf634cb0, 0x3f0ebbf6, 0xbddd695c, 0xbf46164d, 0x3f2bf259, 0x3bc49ba6, 0xbf28dfea, 0x3f4928bc, 0x3df5fcd0, 0xbf0ba987, 0x3f665f1e, 0x3e6fd7f3, 0xbedce649, 0x3f81cac1, 0x3eb258bf, 0xbea27984, 0xbf7ba5e3, 0x3eecc585, 0xbe50197c, 0xbf5e6f81, 0x3f139925, 0xbdb67fe3, 0xbf41391e, 0x3f30cf88, 0x3ccccccd, 0xbf2402bb, 0x3f4e05eb, 0x3e0e7325, 0xbf06cc58, 0x3f6b3c4d, 0x3e81a658, 0xbed32beb, 0x3f843958, 0x3ebc131d, 0xbe98bf26, 0xbf76c8b4},
     {0x3f0e38e4, 0xbde181ef, 0xbf46995f, 0x3f2b6f46, 0x3b83126f, 0xbf2962fd, 0x3f48a5a9, 0x3df1e43d, 0xbf0c2c9a, 0x3f65dc0c, 0x3e6dcbaa, 0xbeddec6e}},
    // clip_grad_norm_([a, b], 0.5, inf): total 1.03299999
    {0.5, std::numeric_limits<double>::infinity(), 0x3f843958,
     {0xbddc4932, 0xbedc09c1, 0x3e8a2ca2, 0xbd565694, 0xbebfc247, 0x3ea6741c, 0x3b3e53b8, 0xbea37acd, 0x3ec2bb96, 0x3d6e210b, 0xbe873352, 0x3edf030f, 0x3de82e6d, 0xbe55d7b1, 0x3efb4a8a, 0x3e2ca62a, 0xbe1d48be, 0xbef39bd3, 0x3e65351f, 0xbdc97393, 0xbed75459, 0x3e8ee209, 0xbd30ab58, 0xbebb0cdf, 0x3eab2983, 0x3c4641e0, 0xbe9ec565, 0x3ec770fd, 0x3d89e624, 0xbe827deb, 0x3ee3b877, 0x3dfb040c, 0xbe4c6ce2, 0x3efffff1, 0x3e3610f9, 0xbe13ddef, 0xbeeee66b},
     {0x3e89adc0, 0xbd5a4da8, 0xbec04129, 0x3ea5f539, 0x3afdc4f7, 0xbea3f9b0, 0x3ec23cb3, 0x3d6a29f7, 0xbe87b235, 0x3ede842d, 0x3de632e4, 0xbe56d576}},
    // clip_grad_norm_([a, b], 2, 1): total 25.385334
    {2, 1.0, 0x41cb152a,
     {0xbc8f6cc5, 0xbd8f4377, 0x3d33ed30, 0xbc0b8d6b, 0xbd79b3e6, 0x3d58c039, 0x39f7d695, 0xbd54e0de, 0x3d7d9341, 0x3c1b0ad4, 0xbd300dd6, 0x3d913324, 0x3c972b7a, 0xbd0b3ace, 0x3da39ca9, 0x3ce0d18a, 0xbccccf8d, 0xbd9e9c28, 0x3d153bcd, 0xbc83297c, 0xbd8c32a5, 0x3d3a0ed5, 0xbbe60db3, 0xbd739242, 0x3d5ee1dd, 0x3b011518, 0xbd4ebf3a, 0x3d81da73, 0x3c339166, 0xbd29ec31, 0x3d9443f6, 0x3ca36ec3, 0xbd05192a, 0x3da6ad7a, 0x3ced14d2, 0xbcc08c44, 0xbd9b8b56},
     {0x3d3347f7, 0xbc0e2252, 0xbd7a591f, 0x3d581afe, 0x39a539b9, 0xbd558618, 0x3d7cee06, 0x3c1875ed, 0xbd30b310, 0x3d90e087, 0x3c95e107, 0xbd0be008}}};

struct ScheduleCase {
  const char* type;
  int64_t warmup;
  int64_t total;
  std::optional<double> num_cycles, lr_end, power, min_lr, min_lr_rate;
  std::vector<double> lrs;  // lr at steps 0..13, base lr 3e-3
};
inline const std::vector<ScheduleCase> kScheduleCases = {
    // get_scheduler("constant", AdamW(lr=3e-3), 3, 10, {})
    {"constant", 3, 10, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
     {0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001}},
    // get_scheduler("constant_with_warmup", AdamW(lr=3e-3), 3, 10, {})
    {"constant_with_warmup", 3, 10, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
     {0, 0.001, 0.002, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001}},
    // get_scheduler("linear", AdamW(lr=3e-3), 3, 10, {})
    {"linear", 3, 10, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
     {0, 0.001, 0.002, 0.0030000000000000001, 0.0025714285714285713, 0.002142857142857143, 0.0017142857142857142, 0.0012857142857142856, 0.0008571428571428571, 0.00042857142857142855, 0, 0, 0, 0}},
    // get_scheduler("cosine", AdamW(lr=3e-3), 3, 10, {})
    {"cosine", 3, 10, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
     {0, 0.001, 0.002, 0.0030000000000000001, 0.0028514533018536288, 0.0024352347027881004, 0.0018337814009344716, 0.0011662185990655284, 0.00056476529721189979, 0.00014854669814637144, 0, 0.00014854669814637128, 0.00056476529721189946, 0.0011662185990655282}},
    // get_scheduler("cosine", AdamW(lr=3e-3), 0, 7, {'num_cycles': 1.5})
    {"cosine", 0, 7, 1.5, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
     {0.0030000000000000001, 0.0018337814009344716, 0.00014854669814637144, 0.00056476529721189946, 0.0024352347027880999, 0.0028514533018536288, 0.0011662185990655289, 0, 0.0011662185990655278, 0.0028514533018536297, 0.0024352347027881008, 0.00056476529721190044, 0.00014854669814637095, 0.0018337814009344706}},
    // get_scheduler("cosine_with_restarts", AdamW(lr=3e-3), 2, 11, {'num_cycles': 3})
    {"cosine_with_restarts", 2, 11, 3, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
     {0, 0.0015, 0.0030000000000000001, 0.0022500000000000003, 0.00075000000000000034, 0.0030000000000000001, 0.0022500000000000007, 0.00074999999999999969, 0.0030000000000000001, 0.0022499999999999998, 0.00075000000000000099, 0, 0, 0}},
    // get_scheduler("polynomial", AdamW(lr=3e-3), 2, 9, {'lr_end': 1e-05, 'power': 2.0})
    {"polynomial", 2, 9, std::nullopt, 1e-05, 2.0, std::nullopt, std::nullopt,
     {0, 0.0015, 0.0030000000000000001, 0.0022067346938775515, 0.0015355102040816328, 0.00098632653061224472, 0.00055918367346938789, 0.0002540816326530612, 7.1020408163265347e-05, 1.0000000000000001e-05, 1.0000000000000001e-05, 1.0000000000000001e-05, 1.0000000000000001e-05, 1.0000000000000001e-05}},
    // get_scheduler("inverse_sqrt", AdamW(lr=3e-3), 4, 0, {})
    {"inverse_sqrt", 4, 0, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
     {0, 0.00075000000000000002, 0.0015, 0.0022500000000000003, 0.0030000000000000001, 0.0026832815729997475, 0.0024494897427831783, 0.0022677868380553633, 0.0021213203435596424, 0.002, 0.0018973665961010276, 0.0018090680674665818, 0.0017320508075688776, 0.0016641005886756876}},
    // get_scheduler("cosine_with_min_lr", AdamW(lr=3e-3), 3, 10, {'min_lr': 0.0001})
    {"cosine_with_min_lr", 3, 10, std::nullopt, std::nullopt, std::nullopt, 0.0001, std::nullopt,
     {0, 0.001, 0.002, 0.0030000000000000001, 0.0028564048584585077, 0.0024540602126951637, 0.0018726553542366556, 0.0012273446457633443, 0.00064593978730483645, 0.00024359514154149241, 0.0001, 0.00024359514154149222, 0.00064593978730483612, 0.0012273446457633438}},
    // get_scheduler("cosine_with_min_lr", AdamW(lr=3e-3), 1, 6, {'min_lr_rate': 0.25})
    {"cosine_with_min_lr", 1, 6, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 0.25,
     {0, 0.0030000000000000001, 0.0027851441186718161, 0.002222644118671816, 0.0015273558813281845, 0.00096485588132818429, 0.00075000000000000002, 0.00096485588132818397, 0.0015273558813281838, 0.0022226441186718156, 0.0027851441186718161, 0.0030000000000000001, 0.0027851441186718157, 0.002222644118671816}}};

// {num_training_steps, warmup_ratio, math.ceil(num_training_steps * warmup_ratio)}
struct WarmupCase {
  int64_t total;
  double ratio;
  int64_t expected;
};
inline const std::vector<WarmupCase> kWarmupCases = {
    {95, 0.1, 10},
    {30, 0.1, 3},
    {10, 0, 0}};

}  // namespace automodel::train::reference
